// ModelsPage: lays out the manager and routes DownloadService's queued signals to the rows; loading
// happens through EngineBridge (loadRequested), downloads and scans on the service's worker thread.
#include "ui/models/models_page.h"

#include "app/hub/download_service.h"
#include "app/hub/model_catalog.h"
#include "ui/models/byte_format.h"
#include "ui/models/catalog_card.h"
#include "ui/models/download_row.h"
#include "ui/models/installed_models_view.h"

#include <QFileDialog>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>

#include <exception>

namespace fathom::ui {

ModelsPage::ModelsPage(QWidget* parent)
    : QWidget(parent), m_source(new QLineEdit(this)), m_message(new QLabel(this)), m_downloads(new QGroupBox(tr("Downloads"), this)),
      m_downloadsLayout(new QVBoxLayout(m_downloads)), m_installed(new InstalledModelsView(this))
{
    setObjectName(QStringLiteral("modelsPage"));
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    outer->addWidget(scroll);
    auto* content = new QWidget(scroll);
    scroll->setWidget(content);
    auto* layout = new QVBoxLayout(content);
    layout->setContentsMargins(24, 18, 24, 18);

    auto* top = new QHBoxLayout;
    auto* back = new QPushButton(tr("‹ Back to chat"), content);
    auto* title = new QLabel(tr("Models"), content);
    QFont f = title->font();
    f.setPointSizeF(f.pointSizeF() * 1.4);
    f.setBold(true);
    title->setFont(f);
    auto* rescan = new QPushButton(tr("Look again"), content);
    rescan->setObjectName(QStringLiteral("rescanModels"));
    top->addWidget(back);
    top->addSpacing(12);
    top->addWidget(title);
    top->addStretch(1);
    top->addWidget(rescan);
    layout->addLayout(top);

    auto* where = new QLabel(tr("Fathom uses the embedded model, any model in the Hugging Face cache (%1), "
                                "and the GGUF files of Ollama and LM Studio, so models other tools downloaded "
                                "are used, not fetched again.")
                                 .arg(displayPath(app::ModelLocator::hubCacheFolder())), content);
    where->setWordWrap(true);
    where->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(where);

    auto* get = new QGroupBox(tr("Get a model"), content);
    auto* getLayout = new QVBoxLayout(get);
    getLayout->addWidget(buildCatalog());
    getLayout->addWidget(buildAddField());
    m_message->setObjectName(QStringLiteral("modelsMessage"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->setStyleSheet(QStringLiteral("color: #e53935;"));
    m_message->hide();
    getLayout->addWidget(m_message);
    layout->addWidget(get);

    m_downloads->setObjectName(QStringLiteral("downloads"));
    m_downloads->hide();  // shown with the first download
    layout->addWidget(m_downloads);

    auto* installed = new QGroupBox(tr("Installed"), content);
    auto* installedLayout = new QVBoxLayout(installed);
    m_installed->setMinimumHeight(130);
    installedLayout->addWidget(m_installed);
    layout->addWidget(installed, 1);

    connect(back, &QPushButton::clicked, this, &ModelsPage::backRequested);
    connect(rescan, &QPushButton::clicked, this, [this] {
        emit rescanRequested();
        if (m_service) m_service->refreshInstalled();
    });
    connect(m_installed, &InstalledModelsView::useRequested, this, &ModelsPage::loadRequested);
    connect(m_installed, &InstalledModelsView::deleteRequested, this, [this](const QString& repo) {
        if (m_service) m_service->deleteModel(repo);
    });
}

QWidget* ModelsPage::buildCatalog()
{
    auto* box = new QWidget(this);
    auto* row = new QHBoxLayout(box);
    row->setContentsMargins(0, 0, 0, 0);
    try {
        const app::ModelCatalog catalog = app::ModelCatalog::builtin();
        for (const app::CatalogModel& m : catalog.models()) {
            auto* card = new CatalogCard(m, box);
            card->setEnabled(false);  // until a download service is connected
            connect(card, &CatalogCard::downloadRequested, this, &ModelsPage::startDownload);
            connect(card, &CatalogCard::ggufDownloadRequested, this, &ModelsPage::startGgufDownload);
            row->addWidget(card, 1);
            m_cards << card;
        }
    } catch (const std::exception& e) {
        // A broken built-in catalog is a bug; say so and keep the rest of the page usable.
        row->addWidget(new QLabel(tr("The model catalog could not be read: %1").arg(QString::fromUtf8(e.what())), box));
    }
    return box;
}

QWidget* ModelsPage::buildAddField()
{
    auto* box = new QWidget(this);
    auto* row = new QHBoxLayout(box);
    row->setContentsMargins(0, 6, 0, 0);
    row->addWidget(new QLabel(tr("Another model:"), box));
    m_source->setObjectName(QStringLiteral("modelSource"));
    m_source->setPlaceholderText(tr("org/name or https://huggingface.co/org/name, or a folder holding config.json"));
    row->addWidget(m_source, 1);
    auto* add = new QPushButton(tr("Download"), box);
    add->setObjectName(QStringLiteral("addModel"));
    auto* folder = new QPushButton(tr("Choose folder…"), box);
    folder->setObjectName(QStringLiteral("chooseModelFolder"));
    row->addWidget(add);
    row->addWidget(folder);
    connect(add, &QPushButton::clicked, this, &ModelsPage::addFromField);
    connect(m_source, &QLineEdit::returnPressed, this, &ModelsPage::addFromField);
    connect(folder, &QPushButton::clicked, this, &ModelsPage::chooseFolder);
    return box;
}

void ModelsPage::setModels(const QList<app::LocalModel>& models, const QString& loadedFolder)
{
    m_installed->setLocalModels(models, loadedFolder);
}

void ModelsPage::setDownloadService(app::DownloadService* service)
{
    m_service = service;
    for (CatalogCard* card : m_cards) card->setEnabled(true);
    using app::DownloadService;
    connect(service, &DownloadService::installedModels, this, &ModelsPage::onInstalled);
    connect(service, &DownloadService::installedGguf, this, &ModelsPage::setGgufFiles);
    connect(service, &DownloadService::deviceMemoryFound, this, &ModelsPage::setDeviceMemory);
    connect(service, &DownloadService::jobStateChanged, this, &ModelsPage::onJobState);
    connect(service, &DownloadService::jobProgress, this,
            [this](const QString& id, qint64 done, qint64 total, double bps, qint64 eta) { rowFor(id)->setProgress(done, total, bps, eta); });
    connect(service, &DownloadService::fileStateChanged, this,
            [this](const QString& id, const QString& path, app::DownloadManager::FileState state, const QString& why) {
                rowFor(id)->setFileState(path, state, why);
            });
    connect(service, &DownloadService::jobFinished, this, [this](const QString& id, const QString&) {
        rowFor(id)->setFinished();
        updateCatalog();
        m_service->refreshInstalled();
        emit rescanRequested();  // the engine bridge's list (the chat's model picker) gains it too
    });
    connect(service, &DownloadService::jobFailed, this, [this](const QString& id, const QString& why) {
        rowFor(id)->setFailed(why);
        updateCatalog();
        m_service->refreshInstalled();  // disk use of what stayed (nothing in snapshots/)
    });
    connect(service, &DownloadService::errorOccurred, this, &ModelsPage::showMessage);
    service->refreshInstalled();
}

QListWidget* ModelsPage::list() const { return m_installed->list(); }

void ModelsPage::addFromField()
{
    const QString text = m_source->text().trimmed();
    if (text.isEmpty()) return;
    try {
        // Stats the folder when the text is a path: one stat, not a scan, so it stays on this thread.
        const app::ModelSource source = app::ModelSource::parse(text);
        m_message->hide();
        if (source.kind == app::ModelSource::Kind::LocalFolder) {
            emit loadRequested(source.folder);
        } else if (!m_service) {
            showMessage(tr("This window has no download manager; `fathom-cli download --repo %1` downloads it.").arg(source.repo));
        } else {
            startDownload(source.repo, QStringLiteral("main"));
            m_source->clear();
        }
    } catch (const std::exception& e) {
        showMessage(QString::fromUtf8(e.what()));
    }
}

void ModelsPage::chooseFolder()
{
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Choose a model folder (with config.json)"));
    if (folder.isEmpty()) return;
    m_source->setText(folder);
    addFromField();
}

void ModelsPage::startDownload(const QString& repo, const QString& revision)
{
    if (!m_service) return;
    DownloadRow* row = rowFor(app::DownloadManager::jobId(repo, revision));
    row->setState(app::DownloadManager::JobState::Resolving, {});
    m_jobGlobs.remove(app::DownloadManager::jobId(repo, revision));
    m_service->download(repo, revision);
    updateCatalog();
}

void ModelsPage::startGgufDownload(const QString& repo, const QString& file)
{
    if (!m_service) return;
    // The catalog guarantees `file` has no glob characters, so the include glob matches it alone.
    const QString id = app::DownloadManager::jobId(repo, QStringLiteral("main"));
    m_jobGlobs.insert(id, {file});
    rowFor(id)->setState(app::DownloadManager::JobState::Resolving, {});
    m_service->download(repo, QStringLiteral("main"), {file});
    updateCatalog();
}

void ModelsPage::setDeviceMemory(const app::DeviceMemory& memory)
{
    for (CatalogCard* card : m_cards) card->setDeviceMemory(memory);
}

void ModelsPage::setGgufFiles(const QList<app::LocalGguf>& files)
{
    m_gguf = files;
    m_installed->setGgufFiles(files);
    updateCatalog();
    QList<app::LocalModel> runnable;
    for (const app::LocalGguf& g : files)
        if (g.runnable())
            runnable.append({g.modelName.isEmpty() ? g.label.section(u'/', -1) : g.modelName, g.path, false, g.quant});
    emit ggufModelsChanged(runnable);
    if (!m_scanned) {
        m_scanned = true;
        emit settled();
    }
}

QSet<QString> ModelsPage::installedQuants(const app::CatalogModel& model) const
{
    // The same weights under another tool's name: the catalog's file name (HF cache, LM Studio keep
    // it), or a runnable GGUF whose general.name is the model's (Ollama's blobs have no file name).
    const QString baseName = model.repo.section(u'/', 1);
    QSet<QString> out;
    for (const app::CatalogGguf& c : model.gguf)
        for (const app::LocalGguf& g : m_gguf)
            if (g.runnable() && g.quant == c.quant &&
                (g.label.section(u'/', -1) == c.file || g.modelName.compare(baseName, Qt::CaseInsensitive) == 0))
                out.insert(c.quant);
    return out;
}

DownloadRow* ModelsPage::rowFor(const QString& jobId)
{
    if (DownloadRow* row = m_rows.value(jobId)) return row;
    auto* row = new DownloadRow(jobId, m_downloads);
    m_rows.insert(jobId, row);
    m_downloadsLayout->addWidget(row);
    m_downloads->show();
    connect(row, &DownloadRow::pauseRequested, m_service, &app::DownloadService::pause);
    connect(row, &DownloadRow::resumeRequested, m_service, &app::DownloadService::resume);
    connect(row, &DownloadRow::cancelRequested, m_service, &app::DownloadService::cancel);
    connect(row, &DownloadRow::retryRequested, this, [this](const QString& id) {
        const QStringList globs = m_jobGlobs.value(id);
        if (globs.size() == 1) startGgufDownload(id.section(u'@', 0, 0), globs.first());
        else startDownload(id.section(u'@', 0, 0), id.section(u'@', 1));
    });
    connect(row, &DownloadRow::dismissRequested, this, [this](const QString& id) {
        if (DownloadRow* r = m_rows.take(id)) r->deleteLater();
        m_downloads->setVisible(!m_rows.isEmpty());
        updateCatalog();
    });
    return row;
}

void ModelsPage::onJobState(const QString& jobId, app::DownloadManager::JobState state, const QString& message)
{
    rowFor(jobId)->setState(state, message);
    if (state == app::DownloadManager::JobState::Cancelled && m_service) m_service->refreshInstalled();
    updateCatalog();
}

void ModelsPage::onInstalled(const QList<app::CachedModel>& models)
{
    m_installed->setCachedModels(models);
    updateCatalog();  // settled comes with the GGUF scan that follows this one
}

void ModelsPage::updateCatalog()
{
    using State = app::DownloadManager::JobState;
    for (CatalogCard* card : m_cards) {
        const QString id = app::DownloadManager::jobId(card->model().repo, card->model().revision);
        const DownloadRow* row = m_rows.value(id);
        const bool running = row && row->state() != State::Done && row->state() != State::Failed && row->state() != State::Cancelled;
        bool installed = false;
        for (const app::CachedModel& m : m_installed->cachedModels())
            installed = installed || (m.repo == card->model().repo && m.refs.contains(card->model().revision));
        card->setStatus(running ? CatalogCard::Status::Downloading
                                : (installed ? CatalogCard::Status::Installed : CatalogCard::Status::Available));
        if (card->model().gguf.isEmpty()) continue;
        const DownloadRow* ggufRow = m_rows.value(app::DownloadManager::jobId(card->model().gguf.first().repo, QStringLiteral("main")));
        const bool ggufRunning = ggufRow && ggufRow->state() != State::Done && ggufRow->state() != State::Failed &&
                                 ggufRow->state() != State::Cancelled;
        card->setGgufStatus(installedQuants(card->model()), ggufRunning);
    }
}

void ModelsPage::showMessage(const QString& text)
{
    m_message->setText(text);
    m_message->setVisible(!text.isEmpty());
}

}  // namespace fathom::ui
