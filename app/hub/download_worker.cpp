// DownloadWorker: the objects of DownloadService that live on its worker thread.
#include "app/hub/download_worker.h"

#include "app/hub/gguf_discovery.h"
#include "app/hub/nvidia_smi_probe.h"
#include "base/error.h"

#ifdef FATHOM_HUB_HAVE_STORAGE
#include "app/hub/sqlite_download_journal.h"
#include "storage/database.h"
#endif

namespace fathom::app {

DownloadWorker::DownloadWorker(const DownloadService::Config& config) : m_config(config)
{
    m_manager = std::make_unique<DownloadManager>(HubCache(config.cacheRoot), HubEndpoint(config.endpoint, config.token));
    m_manager->setOptions(config.options);
}

DownloadWorker::~DownloadWorker()
{
    m_manager.reset();  // before the journal and database it writes to
    m_journal.reset();
}

void DownloadWorker::start()
{
    // Probed here, not on the GUI thread: nvidia-smi can take a second or two on a cold driver.
    const DeviceMemory memory = m_config.memoryProbe ? m_config.memoryProbe->probe() : NvidiaSmiProbe().probe();
    emit deviceMemoryFound(memory);
    if (m_config.databasePath.isEmpty())
        return;
#ifdef FATHOM_HUB_HAVE_STORAGE
    try {
        m_db = std::make_unique<storage::Database>(m_config.databasePath.toStdString());
        m_journal = std::make_unique<SqliteDownloadJournal>(*m_db);
        m_manager->setJournal(m_journal.get());
        m_manager->restoreFromJournal();
    } catch (const Error& e) {
        emit errorOccurred(QStringLiteral("downloads will not resume after a restart: %1").arg(QString::fromStdString(e.what())));
    }
#else
    emit errorOccurred(QStringLiteral("this build has no SQLite storage; downloads will not resume after a restart"));
#endif
}

void DownloadWorker::refreshInstalled()
{
    emit installedModels(HubCacheScanner(m_manager->cache()).scan());
    // Skipped files are logged by the finders (fathom.hub.gguf); the page lists what is usable.
    emit installedGguf(GgufDiscovery({m_config.cacheRoot, m_config.ollamaRoot, m_config.lmStudioRoots}).find());
}

void DownloadWorker::deleteModel(const QString& repoId)
{
    // Any job of this repo (any revision) goes first, so no transfer writes into a deleted folder.
    m_manager->cancelRepo(repoId);
    try {
        HubCacheScanner(m_manager->cache()).remove(repoId);
    } catch (const Error& e) {
        emit errorOccurred(QString::fromStdString(e.what()));
    }
    refreshInstalled();
}

}  // namespace fathom::app
