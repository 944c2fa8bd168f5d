// The model download manager: downloads hub repos (or a subset by glob) into the HF cache, several
// files at once, with pause / resume / cancel, retry with backoff, stall detection, a free-space check
// before the first byte, and per-file state in a DownloadJournal so a restarted app picks up where it
// stopped. The GUI binds to its signals; put it on a worker thread there (hashing a resumed partial
// file reads it from disk) and call its slots through queued connections.
#pragma once

#include "app/hub/download_journal.h"
#include "app/hub/file_transfer.h"
#include "app/hub/hub_cache.h"
#include "app/hub/hub_client.h"

#include <QElapsedTimer>
#include <QObject>
#include <QStringList>
#include <QTimer>

#include <functional>
#include <map>
#include <memory>
#include <vector>

class QNetworkAccessManager;

namespace fathom::app {

class DownloadManager final : public QObject {
    Q_OBJECT
public:
    enum class JobState { Resolving, Checking, Downloading, Paused, Done, Failed, Cancelled };
    Q_ENUM(JobState)
    enum class FileState { Queued, Downloading, Retrying, Paused, Done, Failed };
    Q_ENUM(FileState)

    struct Options {
        int maxParallelFiles = 4;     // transfers running at once, over all jobs
        int stallTimeoutMs = 30000;   // no bytes for this long -> abort and retry
        int maxAttempts = 6;          // per file (and for the repo listing) before giving up
        int retryBaseMs = 1000;       // backoff: base * 2^(attempt-1), capped at retryMaxMs
        int retryMaxMs = 30000;
        int progressIntervalMs = 250; // how often jobProgress / fileProgress are emitted
    };

    DownloadManager(const HubCache& cache, const HubEndpoint& endpoint, QObject* parent = nullptr);
    ~DownloadManager() override;

    void setOptions(const Options& options) { m_options = options; }
    void setJournal(DownloadJournal* journal) { m_journal = journal; }  // not owned; null = no persistence
    // Bytes free for the folder; default QStorageInfo. Tests replace it to simulate a full disk.
    void setFreeSpaceProvider(std::function<qint64(const QString& path)> provider) { m_freeSpace = std::move(provider); }

    static QString jobId(const QString& repoId, const QString& revision) { return repoId + u'@' + revision; }
    const HubCache& cache() const { return m_cache; }

public slots:
    // Starts (or restarts a finished / failed) download; returns its job id. includeGlobs: fnmatch
    // patterns on file paths (empty = every file). A bad repo id or revision ends in jobFailed.
    QString download(const QString& repoId, const QString& revision = QStringLiteral("main"),
                     const QStringList& includeGlobs = {});
    void pause(const QString& jobId);
    void resume(const QString& jobId);
    void cancel(const QString& jobId);  // stops and deletes the partial files of the job
    void cancelRepo(const QString& repoId);  // every job of the repo, whatever its revision
    // Restarts the jobs the journal says were running when the app last stopped; paused and failed
    // ones come back in that state (jobStateChanged tells the GUI). Returns the job ids.
    QStringList restoreFromJournal();

signals:
    void jobStateChanged(const QString& jobId, fathom::app::DownloadManager::JobState state, const QString& message);
    void jobProgress(const QString& jobId, qint64 bytesDone, qint64 bytesTotal, double bytesPerSecond, qint64 etaSeconds);
    void fileProgress(const QString& jobId, const QString& path, qint64 bytesDone, qint64 bytesTotal);
    void fileStateChanged(const QString& jobId, const QString& path, fathom::app::DownloadManager::FileState state,
                          const QString& message);
    void jobFinished(const QString& jobId, const QString& snapshotDir);
    void jobFailed(const QString& jobId, const QString& message);

private:
    struct FileTask {
        QString path;
        FileMeta meta;
        bool haveMeta = false;
        FileState state = FileState::Queued;
        int attempts = 0;
        qint64 done = 0;
        qint64 reportedDone = -1;
        FileTransfer* transfer = nullptr;
        QString error;
    };
    struct Job {
        QString id, repo, revision, commit;
        QStringList include;      // globs
        QStringList exactFiles;   // from the journal: exactly these files
        JobState state = JobState::Resolving;
        std::vector<FileTask> files;
        int metaPending = 0;
        int resolveAttempts = 0;
        quint64 generation = 0;   // bumped on pause / cancel so stale callbacks and timers do nothing
        double speed = 0;         // bytes/s, smoothed
        qint64 lastDone = -1;
        QElapsedTimer clock;
        QString error;
    };

    Job* job(const QString& id);
    void resolve(Job& job);
    void fetchMetas(Job& job);
    void fetchMeta(Job& job, const QString& path);
    void startDownloading(Job& job);
    void schedule();
    void startFile(Job& job, FileTask& file);
    void onTransferFinished(const QString& jobId, const QString& path, const TransferResult& result);
    void retryLater(Job& job, FileTask* file, const QString& reason);
    void stopTransfers(Job& job, bool discardPartial);
    void setJobState(Job& job, JobState state, const QString& message = {});
    void setFileState(Job& job, FileTask& file, FileState state, const QString& message = {});
    void failJob(Job& job, const QString& message);
    void completeIfDone(Job& job);
    void save(const Job& job, const FileTask& file);
    void tick();
    int backoffMs(int attempt) const;
    qint64 freeBytes(const QString& path) const;

    HubCache m_cache;
    QNetworkAccessManager* m_nam;
    HubClient* m_client;
    Options m_options;
    DownloadJournal* m_journal = nullptr;
    std::function<qint64(const QString&)> m_freeSpace;
    std::map<QString, std::unique_ptr<Job>> m_jobs;
    std::vector<QString> m_order;  // job ids, first come first served
    QTimer m_ticker;
    int m_ticks = 0;
    quint64 m_generations = 0;  // source of Job::generation values
};

}  // namespace fathom::app
