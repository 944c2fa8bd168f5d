// Loading happens through EngineBridge (off the GUI thread); this page only lists and asks.
#include "ui/models/models_page.h"

#include "app/services/model_locator.h"

#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace fathom::ui {

namespace {
constexpr int kFolderRole = Qt::UserRole + 1;
}

ModelsPage::ModelsPage(QWidget* parent)
    : QWidget(parent), m_list(new QListWidget(this)), m_downloads(new QGroupBox(tr("Download models"), this)),
      m_downloadsLayout(new QVBoxLayout(m_downloads)), m_downloadsPlaceholder(nullptr)
{
    setObjectName(QStringLiteral("modelsPage"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(24, 18, 24, 18);

    auto* top = new QHBoxLayout;
    auto* back = new QPushButton(tr("‹ Back to chat"), this);
    auto* title = new QLabel(tr("Models"), this);
    QFont f = title->font();
    f.setPointSizeF(f.pointSizeF() * 1.4);
    f.setBold(true);
    title->setFont(f);
    auto* rescan = new QPushButton(tr("Look again"), this);
    top->addWidget(back);
    top->addSpacing(12);
    top->addWidget(title);
    top->addStretch(1);
    top->addWidget(rescan);
    layout->addLayout(top);

    auto* where = new QLabel(tr("Fathom uses the embedded model and any model in the Hugging Face cache (%1).")
                                 .arg(app::ModelLocator::hubCacheFolder()), this);
    where->setWordWrap(true);
    where->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(where);
    layout->addWidget(m_list, 1);

    auto* load = new QPushButton(tr("Load selected model"), this);
    load->setObjectName(QStringLiteral("loadModel"));
    auto* row = new QHBoxLayout;
    row->addStretch(1);
    row->addWidget(load);
    layout->addLayout(row);

    // The download manager's page goes here (setDownloadsWidget).
    auto* placeholder = new QLabel(tr("Downloading from the Hugging Face hub is being added. Until then, models that "
                                      "any tool put in the cache above appear in this list; "
                                      "<code>fathom-cli download --repo ORG/NAME</code> puts them there."), m_downloads);
    placeholder->setWordWrap(true);
    placeholder->setTextFormat(Qt::RichText);
    m_downloadsPlaceholder = placeholder;
    m_downloadsLayout->addWidget(placeholder);
    layout->addWidget(m_downloads);

    connect(back, &QPushButton::clicked, this, &ModelsPage::backRequested);
    connect(rescan, &QPushButton::clicked, this, &ModelsPage::rescanRequested);
    auto requestLoad = [this] {
        if (QListWidgetItem* item = m_list->currentItem()) emit loadRequested(item->data(kFolderRole).toString());
    };
    connect(load, &QPushButton::clicked, this, requestLoad);
    connect(m_list, &QListWidget::itemActivated, this, requestLoad);
}

void ModelsPage::setModels(const QList<app::LocalModel>& models, const QString& loadedFolder)
{
    m_list->clear();
    for (const app::LocalModel& m : models) {
        QString text = m.name;
        if (m.embedded) text += tr("  (embedded)");
        if (m.folder == loadedFolder) text += tr("  — loaded");
        auto* item = new QListWidgetItem(text + QStringLiteral("\n") + m.folder, m_list);
        item->setData(kFolderRole, m.folder);
    }
    if (models.isEmpty()) {
        auto* item = new QListWidgetItem(tr("No model found on this computer yet."), m_list);
        item->setFlags(Qt::NoItemFlags);
    }
}

void ModelsPage::setDownloadsWidget(QWidget* widget)
{
    delete m_downloadsPlaceholder;
    m_downloadsPlaceholder = nullptr;
    m_downloadsLayout->addWidget(widget);
}

}  // namespace fathom::ui
