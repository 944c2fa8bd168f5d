// CatalogCard: a catalog entry drawn as a small card; the page sets its status from the cache scan
// and the running downloads.
#include "ui/models/catalog_card.h"

#include "ui/models/byte_format.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace fathom::ui {

namespace {
QLabel* wrapped(const QString& text, QWidget* parent)
{
    auto* l = new QLabel(text, parent);
    l->setWordWrap(true);
    return l;
}
}  // namespace

CatalogCard::CatalogCard(const app::CatalogModel& model, QWidget* parent)
    : QFrame(parent), m_model(model), m_license(nullptr), m_download(new QPushButton(this))
{
    setObjectName(QStringLiteral("catalogCard"));
    setFrameShape(QFrame::StyledPanel);
    auto* layout = new QVBoxLayout(this);
    layout->setSpacing(4);
    auto* name = new QLabel(model.name, this);
    QFont f = name->font();
    f.setBold(true);
    f.setPointSizeF(f.pointSizeF() * 1.1);
    name->setFont(f);
    layout->addWidget(name);
    name->setToolTip(model.repo);  // the hub id; the card keeps to what a person chooses by
    layout->addWidget(wrapped(model.description, this));
    const QString uses = model.uses.contains(QStringLiteral("completion")) && model.uses.contains(QStringLiteral("chat"))
                             ? tr("chat and editor completion")
                             : (model.uses.contains(QStringLiteral("completion")) ? tr("editor completion") : tr("chat"));
    auto* facts = wrapped(tr("<b>Download</b> ~%1 · <b>GPU memory</b> %2 GB · <b>Context</b> %3k tokens<br>"
                             "<b>Use</b> %4 · %5")
                              .arg(formatBytes(model.downloadBytes))
                              .arg(model.vramGB, 0, 'f', 0)
                              .arg(model.contextTokens / 1024)
                              .arg(uses, model.parameters.section(QStringLiteral(" ("), 0, 0).toHtmlEscaped()),
                          this);
    facts->setObjectName(QStringLiteral("catalogFacts"));
    facts->setToolTip(model.parameters);  // the MoE shape in full; the card keeps the short form
    facts->setTextFormat(Qt::RichText);
    layout->addWidget(facts);
    m_license = wrapped(QString(), this);
    m_license->setObjectName(QStringLiteral("catalogLicense"));
    m_license->setTextFormat(Qt::RichText);
    m_license->setOpenExternalLinks(true);  // the license page, opened only on click
    setLicenseText();
    layout->addWidget(m_license);
    layout->addStretch(1);
    auto* row = new QHBoxLayout;
    row->addStretch(1);
    m_download->setObjectName(QStringLiteral("catalogDownload"));
    row->addWidget(m_download);
    layout->addLayout(row);
    connect(m_download, &QPushButton::clicked, this, [this] { emit downloadRequested(m_model.repo, m_model.revision); });
    setStatus(Status::Available);
}

void CatalogCard::changeEvent(QEvent* event)
{
    QFrame::changeEvent(event);
    // A rich-text label takes the link colour when its text is set: redo it when the theme changes.
    if ((event->type() == QEvent::PaletteChange || event->type() == QEvent::ApplicationPaletteChange) && m_license)
        setLicenseText();
}

void CatalogCard::setLicenseText()
{
    m_license->setText(tr("License: <a href=\"%1\" style=\"color: %3\">%2</a>")
                           .arg(m_model.licenseUrl.toHtmlEscaped(), m_model.license.toHtmlEscaped(),
                                palette().color(QPalette::Link).name()));
}

void CatalogCard::setStatus(Status status)
{
    m_download->setEnabled(status == Status::Available);
    switch (status) {
    case Status::Available: m_download->setText(tr("Download")); break;
    case Status::Downloading: m_download->setText(tr("Downloading…")); break;
    case Status::Installed: m_download->setText(tr("Installed")); break;
    }
}

}  // namespace fathom::ui
