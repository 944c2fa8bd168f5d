// What the GUI binds to: the download manager, its SQLite journal and the cache scanner on a worker
// thread of their own (hashing a resumed file and scanning the cache touch the disk), behind a
// QObject that lives on the GUI thread. Calls are queued to the worker; signals come back queued.
// On start it restores the downloads the journal says were running when the app last quit.
#pragma once

#include "app/hub/download_manager.h"
#include "app/hub/memory_probe.h"
#include "app/hub/hub_cache_scanner.h"
#include "app/hub/lm_studio_gguf_finder.h"
#include "app/hub/local_gguf.h"
#include "app/hub/ollama_gguf_finder.h"

#include <QList>
#include <QObject>
#include <QThread>

#include <memory>

namespace fathom::app {

class DownloadWorker;

class DownloadService final : public QObject {
    Q_OBJECT
public:
    struct Config {
        QString cacheRoot = HubCache::defaultRoot();
        QString endpoint = HubEndpoint::defaultEndpoint();
        QString token = HubEndpoint::defaultToken();  // from settings when the user set one
        QString databasePath;  // the app database (storage/); empty = no persistence
        DownloadManager::Options options;
        // Where other tools keep GGUF files (listed as installed, loaded in place); empty = not looked at.
        QString ollamaRoot = OllamaGgufFinder::defaultRoot();
        QStringList lmStudioRoots = LmStudioGgufFinder::defaultRoots();
        // The GPU (or RAM) the quant recommendation is judged by; null = NvidiaSmiProbe.
        std::shared_ptr<const MemoryProbe> memoryProbe;
    };

    explicit DownloadService(const Config& config, QObject* parent = nullptr);
    ~DownloadService() override;  // stops the worker; partial files stay for the next start

public slots:
    void download(const QString& repoId, const QString& revision = QStringLiteral("main"),
                  const QStringList& includeGlobs = {});
    void pause(const QString& jobId);
    void resume(const QString& jobId);
    void cancel(const QString& jobId);
    void refreshInstalled();               // answers with installedModels() and installedGguf()
    void deleteModel(const QString& repoId);  // cancels its downloads, deletes it, then refreshInstalled()

signals:
    // Same meaning as DownloadManager's.
    void jobStateChanged(const QString& jobId, fathom::app::DownloadManager::JobState state, const QString& message);
    void jobProgress(const QString& jobId, qint64 bytesDone, qint64 bytesTotal, double bytesPerSecond, qint64 etaSeconds);
    void fileProgress(const QString& jobId, const QString& path, qint64 bytesDone, qint64 bytesTotal);
    void fileStateChanged(const QString& jobId, const QString& path, fathom::app::DownloadManager::FileState state,
                          const QString& message);
    void jobFinished(const QString& jobId, const QString& snapshotDir);
    void jobFailed(const QString& jobId, const QString& message);
    void installedModels(const QList<fathom::app::CachedModel>& models);
    // Every GGUF file found (HF cache, Ollama, LM Studio), after installedModels of the same refresh.
    void installedGguf(const QList<fathom::app::LocalGguf>& files);
    void deviceMemoryFound(const fathom::app::DeviceMemory& memory);  // once, soon after start
    void errorOccurred(const QString& message);  // the service itself: database, delete

private:
    QThread m_thread;
    DownloadWorker* m_worker;  // lives on m_thread
};

}  // namespace fathom::app

Q_DECLARE_METATYPE(fathom::app::CachedModel)
