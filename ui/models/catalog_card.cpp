// CatalogCard: a catalog entry drawn as a small card; the page sets its status from the cache scan
// and the running downloads.
#include "ui/models/catalog_card.h"

#include "app/hub/quant_recommender.h"
#include "ui/models/byte_format.h"

#include <QComboBox>

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
    if (!model.gguf.isEmpty())
        buildGguf(layout);
    auto* row = new QHBoxLayout;
    row->addStretch(1);
    m_download->setObjectName(QStringLiteral("catalogDownload"));
    row->addWidget(m_download);
    layout->addLayout(row);
    connect(m_download, &QPushButton::clicked, this, [this] { emit downloadRequested(m_model.repo, m_model.revision); });
    setStatus(Status::Available);
}

void CatalogCard::buildGguf(QVBoxLayout* layout)
{
    auto* title = new QLabel(tr("<b>GGUF</b> (quantized, one file) from %1").arg(m_model.gguf.first().repo.section(u'/', 0, 0).toHtmlEscaped()), this);
    title->setToolTip(m_model.gguf.first().repo);
    layout->addWidget(title);
    m_quant = new QComboBox(this);
    m_quant->setObjectName(QStringLiteral("catalogQuant"));
    for (const app::CatalogGguf& g : m_model.gguf)
        m_quant->addItem(QString(), g.file);
    // Three cards share the page's width: the box shrinks and elides rather than widening the page.
    m_quant->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_quant->setMinimumContentsLength(12);
    m_quant->setToolTip(tr("Download size, and GPU memory for the weights plus an 8k-token context"));
    auto* row = new QHBoxLayout;
    row->addWidget(m_quant, 1);
    m_ggufDownload = new QPushButton(this);
    m_ggufDownload->setObjectName(QStringLiteral("catalogDownloadGguf"));
    row->addWidget(m_ggufDownload);
    layout->addLayout(row);
    m_recommendation = wrapped(tr("Detecting your GPU…"), this);
    m_recommendation->setObjectName(QStringLiteral("catalogRecommendation"));
    layout->addWidget(m_recommendation);
    connect(m_quant, &QComboBox::currentIndexChanged, this, &CatalogCard::updateGguf);
    connect(m_ggufDownload, &QPushButton::clicked, this, [this] {
        const int i = m_quant->currentIndex();
        if (i >= 0 && i < m_model.gguf.size()) emit ggufDownloadRequested(m_model.gguf[i].repo, m_model.gguf[i].file);
    });
    updateGguf();
}

void CatalogCard::setDeviceMemory(const app::DeviceMemory& memory)
{
    if (!m_quant) return;
    m_recommended = app::QuantRecommender::recommend(m_model.gguf, memory);
    const bool gpu = memory.kind == app::DeviceMemory::Kind::Gpu;
    const QString where = gpu ? tr("your GPU") : tr("your RAM");
    // GiB, as GPUs and RAM are sold ("24 GB" card); the fit itself is judged in bytes.
    QString size = tr("%1 GB").arg(double(memory.totalBytes) / double(1 << 30), 0, 'f', 0);
    if (!gpu) size += tr(", CPU backend");
    if (memory.kind == app::DeviceMemory::Kind::None)
        m_recommendation->setText(tr("Could not tell how much GPU memory or RAM there is."));
    else if (m_recommended >= 0)
        m_recommendation->setText(tr("Recommended for %1 (%2): <b>%3</b>").arg(where, size, m_model.gguf[m_recommended].quant));
    else
        m_recommendation->setText(tr("None fits %1 (%2): the smallest needs %3 GB").arg(where, size).arg(m_model.gguf.first().vramGB8k, 0, 'f', 1));
    m_recommendation->setToolTip(memory.name);
    if (m_recommended >= 0) m_quant->setCurrentIndex(m_recommended);
    updateGguf();
}

void CatalogCard::setGgufStatus(const QSet<QString>& installedQuants, bool downloading)
{
    m_installedQuants = installedQuants;
    m_ggufDownloading = downloading;
    updateGguf();
}

void CatalogCard::updateGguf()
{
    if (!m_quant) return;
    for (int i = 0; i < m_model.gguf.size(); ++i) {
        const app::CatalogGguf& g = m_model.gguf[i];
        QString text = tr("%1 · ~%2 download · %3 GB GPU (8k)")
                           .arg(g.quant, formatBytes(g.downloadBytes))
                           .arg(g.vramGB8k, 0, 'f', 1);
        if (i == m_recommended) text += tr(" · recommended");
        if (m_installedQuants.contains(g.quant)) text += tr(" · installed");
        m_quant->setItemText(i, text);
    }
    const int i = m_quant->currentIndex();
    const bool installed = i >= 0 && i < m_model.gguf.size() && m_installedQuants.contains(m_model.gguf[i].quant);
    // One job per repo in the download manager: a second quant waits for the first to finish.
    m_ggufDownload->setEnabled(!installed && !m_ggufDownloading);
    m_ggufDownload->setText(m_ggufDownloading ? tr("Downloading…") : (installed ? tr("Installed") : tr("Download GGUF")));
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
    case Status::Available: m_download->setText(tr("Download bf16")); break;
    case Status::Downloading: m_download->setText(tr("Downloading…")); break;
    case Status::Installed: m_download->setText(tr("Installed")); break;
    }
}

}  // namespace fathom::ui
