// DownloadManager: jobs (one repo at one revision) -> file tasks -> FileTransfer attempts.
// Order of a job: resolve the revision to a commit and list files, HEAD every file, check free space,
// then transfer up to maxParallelFiles at once; a file that fails in a retryable way waits
// retryBaseMs * 2^(attempt-1) and goes back in the queue.
#include "app/hub/download_manager.h"

#include "app/hub/hub_names.h"
#include "base/error.h"

#include <QDir>
#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QStorageInfo>

#include <algorithm>

namespace fathom::app {

namespace {

QString stateName(DownloadManager::FileState s)
{
    switch (s) {
    case DownloadManager::FileState::Queued: return QStringLiteral("queued");
    case DownloadManager::FileState::Downloading:
    case DownloadManager::FileState::Retrying: return QStringLiteral("active");
    case DownloadManager::FileState::Paused: return QStringLiteral("paused");
    case DownloadManager::FileState::Done: return QStringLiteral("done");
    case DownloadManager::FileState::Failed: return QStringLiteral("failed");
    }
    return QStringLiteral("queued");
}

bool isActive(DownloadManager::JobState s)
{
    return s == DownloadManager::JobState::Resolving || s == DownloadManager::JobState::Checking ||
           s == DownloadManager::JobState::Downloading;
}

}  // namespace

DownloadManager::DownloadManager(const HubCache& cache, const HubEndpoint& endpoint, QObject* parent)
    : QObject(parent), m_cache(cache), m_nam(new QNetworkAccessManager(this)), m_client(new HubClient(endpoint, m_nam, this)),
      m_ticker(this)  // a child, so moveToThread() takes it along
{
    qRegisterMetaType<fathom::app::TransferResult>();
    connect(&m_ticker, &QTimer::timeout, this, &DownloadManager::tick);
}

DownloadManager::~DownloadManager()
{
    for (auto& [id, j] : m_jobs)
        for (FileTask& f : j->files)
            delete f.transfer;  // aborts its reply, keeps the partial file for the next run
}

DownloadManager::Job* DownloadManager::job(const QString& id)
{
    auto it = m_jobs.find(id);
    return it == m_jobs.end() ? nullptr : it->second.get();
}

QString DownloadManager::download(const QString& repoId, const QString& revision, const QStringList& includeGlobs)
{
    const QString id = jobId(repoId, revision);
    Job* existing = job(id);
    if (existing && (isActive(existing->state) || existing->state == JobState::Paused)) {
        if (existing->state == JobState::Paused)
            resume(id);
        return id;
    }
    auto j = std::make_unique<Job>();
    j->generation = ++m_generations;  // unique over all jobs: a replaced job's late callbacks never match
    j->id = id;
    j->repo = repoId;
    j->revision = revision;
    j->include = includeGlobs;
    Job& ref = *j;
    m_jobs[id] = std::move(j);
    if (std::find(m_order.begin(), m_order.end(), id) == m_order.end())
        m_order.push_back(id);
    try {
        checkRepoId(repoId);
        checkRevision(revision);
    } catch (const Error& e) {
        failJob(ref, QString::fromStdString(e.what()));
        return id;
    }
    resolve(ref);
    return id;
}

void DownloadManager::resolve(Job& job)
{
    setJobState(job, JobState::Resolving);
    const quint64 gen = job.generation;
    const QString id = job.id;
    // Once resolved, stay on that commit: a resume must not mix files of two commits.
    const QString rev = job.commit.isEmpty() ? job.revision : job.commit;
    m_client->setTimeoutMs(m_options.stallTimeoutMs);
    m_client->fetchRepoInfo(job.repo, rev, [this, id, gen](const RepoInfo& info, const HubFailure& failure) {
        Job* j = this->job(id);
        if (!j || j->generation != gen)
            return;
        if (!failure.message.isEmpty()) {
            if (failure.retryable && ++j->resolveAttempts < m_options.maxAttempts) {
                setJobState(*j, JobState::Resolving, failure.message + QStringLiteral("; retrying"));
                QTimer::singleShot(backoffMs(j->resolveAttempts), this, [this, id, gen]() {
                    Job* again = this->job(id);
                    if (again && again->generation == gen)
                        resolve(*again);
                });
                return;
            }
            return failJob(*j, failure.message);
        }
        j->resolveAttempts = 0;
        j->commit = info.commit;
        j->files.clear();
        for (const QString& path : info.files) {
            const bool wanted = !j->exactFiles.isEmpty() ? j->exactFiles.contains(path)
                                : j->include.isEmpty()
                                    ? true
                                    : std::any_of(j->include.begin(), j->include.end(),
                                                  [&](const QString& g) { return globMatch(g, path); });
            if (wanted) {
                FileTask f;
                f.path = path;
                j->files.push_back(std::move(f));
            }
        }
        if (j->files.empty())
            return failJob(*j, QStringLiteral("%1: no file at %2 matches %3")
                                   .arg(j->repo, j->commit, j->include.isEmpty() ? QStringLiteral("(the repo is empty)")
                                                                                 : j->include.join(u' ')));
        // Every file is in the journal before any HEAD: a restart must not mistake a half-listed job
        // for a complete one.
        for (const FileTask& f : j->files)
            save(*j, f);
        fetchMetas(*j);
    });
}

void DownloadManager::fetchMetas(Job& job)
{
    setJobState(job, JobState::Checking);
    job.metaPending = 0;
    for (const FileTask& f : job.files)
        job.metaPending += !f.haveMeta;
    for (const FileTask& f : job.files)
        if (!f.haveMeta)
            fetchMeta(job, f.path);
}

void DownloadManager::fetchMeta(Job& job, const QString& path)
{
    const quint64 gen = job.generation;
    const QString id = job.id;
    m_client->fetchFileMeta(job.repo, job.commit, path, [this, id, gen, path](const FileMeta& meta, const HubFailure& failure) {
        Job* j = this->job(id);
        if (!j || j->generation != gen)
            return;
        auto it = std::find_if(j->files.begin(), j->files.end(), [&](const FileTask& t) { return t.path == path; });
        if (it == j->files.end())
            return;
        if (!failure.message.isEmpty()) {
            if (failure.retryable && ++it->attempts < m_options.maxAttempts) {
                QTimer::singleShot(backoffMs(it->attempts), this, [this, id, gen, path]() {
                    Job* again = this->job(id);
                    if (again && again->generation == gen)
                        fetchMeta(*again, path);
                });
                return;
            }
            return failJob(*j, failure.message);
        }
        it->meta = meta;
        it->haveMeta = true;
        it->attempts = 0;
        save(*j, *it);
        if (--j->metaPending == 0)
            startDownloading(*j);
    });
}

qint64 DownloadManager::freeBytes(const QString& path) const
{
    if (m_freeSpace)
        return m_freeSpace(path);
    QString existing = path;
    while (!QFileInfo::exists(existing) && existing != QFileInfo(existing).absolutePath())
        existing = QFileInfo(existing).absolutePath();
    return QStorageInfo(existing).bytesAvailable();
}

void DownloadManager::startDownloading(Job& job)
{
    // What is still missing: files without a blob, less what their partial files already hold.
    qint64 needed = 0;
    for (FileTask& f : job.files) {
        const QFileInfo blob(m_cache.blobPath(job.repo, f.meta.etag));
        const QFileInfo partial(m_cache.incompletePath(job.repo, f.meta.etag));
        f.done = blob.isFile() ? f.meta.size : partial.isFile() ? std::min(partial.size(), f.meta.size) : 0;
        if (!blob.isFile())
            needed += f.meta.size - f.done;
    }
    const QString where = m_cache.repoDir(job.repo);
    const qint64 free = freeBytes(where);
    if (free >= 0 && needed > free)
        return failJob(job, QStringLiteral("not enough disk space for %1 in %2: it needs %3 more, only %4 free")
                                .arg(job.repo, m_cache.root(), formatBytes(needed), formatBytes(free)));
    job.clock.start();
    job.lastDone = -1;
    job.speed = 0;
    setJobState(job, JobState::Downloading);
    for (FileTask& f : job.files)
        if (f.state != FileState::Done)
            setFileState(job, f, FileState::Queued);
    if (!m_ticker.isActive())
        m_ticker.start(m_options.progressIntervalMs);
    schedule();
}

void DownloadManager::schedule()
{
    int running = 0;
    for (auto& [id, j] : m_jobs)
        for (const FileTask& f : j->files)
            running += f.state == FileState::Downloading;
    for (const QString& id : m_order) {
        Job* j = job(id);
        if (!j || j->state != JobState::Downloading)
            continue;
        for (FileTask& f : j->files) {
            if (running >= m_options.maxParallelFiles)
                return;
            if (f.state == FileState::Queued) {
                ++running;
                startFile(*j, f);
            }
        }
        completeIfDone(*j);
    }
}

void DownloadManager::startFile(Job& job, FileTask& file)
{
    if (!file.transfer) {
        file.transfer = new FileTransfer(m_cache, m_client->endpoint(), m_nam, job.repo, file.meta, this);
        const QString id = job.id, path = file.path;
        const quint64 gen = job.generation;
        connect(file.transfer, &FileTransfer::progress, this, [this, id, path, gen](qint64 done) {
            Job* j = this->job(id);
            if (!j || j->generation != gen)
                return;
            for (FileTask& f : j->files)
                if (f.path == path)
                    f.done = done;
        });
        // Queued: a transfer may finish inside start(); handling it later keeps schedule() simple.
        connect(file.transfer, &FileTransfer::finished, this,
                [this, id, path, gen](const TransferResult& r) {
                    Job* j = this->job(id);
                    if (j && j->generation == gen)
                        onTransferFinished(id, path, r);
                },
                Qt::QueuedConnection);
    }
    file.transfer->setStallTimeoutMs(m_options.stallTimeoutMs);
    ++file.attempts;
    setFileState(job, file, FileState::Downloading);
    file.transfer->start();
}

void DownloadManager::onTransferFinished(const QString& jobId, const QString& path, const TransferResult& result)
{
    Job* j = job(jobId);
    auto it = std::find_if(j->files.begin(), j->files.end(), [&](const FileTask& t) { return t.path == path; });
    if (it == j->files.end() || result.outcome == TransferResult::Outcome::Stopped)
        return;
    FileTask& f = *it;
    f.done = f.transfer->bytesDone();
    if (result.outcome == TransferResult::Outcome::Done) {
        f.transfer->deleteLater();
        f.transfer = nullptr;
        f.error.clear();
        setFileState(*j, f, FileState::Done);
    } else if (result.retryable && f.attempts < m_options.maxAttempts) {
        retryLater(*j, &f, result.message);
    } else {
        f.error = result.message;
        setFileState(*j, f, FileState::Failed, result.message);
        return failJob(*j, result.message);
    }
    schedule();
}

void DownloadManager::retryLater(Job& job, FileTask* file, const QString& reason)
{
    file->error = reason;
    setFileState(job, *file, FileState::Retrying, reason);
    const QString id = job.id, path = file->path;
    const quint64 gen = job.generation;
    QTimer::singleShot(backoffMs(file->attempts), this, [this, id, path, gen]() {
        Job* j = this->job(id);
        if (!j || j->generation != gen || j->state != JobState::Downloading)
            return;
        for (FileTask& f : j->files)
            if (f.path == path && f.state == FileState::Retrying)
                setFileState(*j, f, FileState::Queued);
        schedule();
    });
}

int DownloadManager::backoffMs(int attempt) const
{
    const qint64 ms = qint64(m_options.retryBaseMs) << std::clamp(attempt - 1, 0, 20);
    return int(std::min<qint64>(ms, m_options.retryMaxMs));
}

void DownloadManager::stopTransfers(Job& job, bool discardPartial)
{
    job.generation = ++m_generations;  // every pending callback and retry timer of this job is now stale
    for (FileTask& f : job.files) {
        if (f.transfer) {
            f.transfer->stop(discardPartial);
            f.transfer->deleteLater();
            f.transfer = nullptr;
        }
        if (discardPartial && f.haveMeta && f.state != FileState::Done)
            QFile::remove(m_cache.incompletePath(job.repo, f.meta.etag));
    }
}

void DownloadManager::pause(const QString& jobId)
{
    Job* j = job(jobId);
    if (!j || !isActive(j->state))
        return;
    stopTransfers(*j, false);
    for (FileTask& f : j->files)
        if (f.state != FileState::Done)
            setFileState(*j, f, FileState::Paused);
    setJobState(*j, JobState::Paused);
    schedule();  // the freed slots go to other jobs
}

void DownloadManager::resume(const QString& jobId)
{
    Job* j = job(jobId);
    if (!j || (j->state != JobState::Paused && j->state != JobState::Failed))
        return;
    for (FileTask& f : j->files) {
        f.attempts = 0;
        f.haveMeta = false;  // ask again: a CDN URL in the metadata may have expired meanwhile
        if (f.state != FileState::Done)
            f.state = FileState::Queued;
    }
    j->resolveAttempts = 0;
    j->error.clear();
    resolve(*j);
}

void DownloadManager::cancel(const QString& jobId)
{
    Job* j = job(jobId);
    if (!j)
        return;
    stopTransfers(*j, true);
    if (m_journal)
        m_journal->removeJob(j->repo, j->revision);
    setJobState(*j, JobState::Cancelled);
    m_jobs.erase(jobId);
    m_order.erase(std::remove(m_order.begin(), m_order.end(), jobId), m_order.end());
    schedule();
}

void DownloadManager::cancelRepo(const QString& repoId)
{
    const std::vector<QString> ids = m_order;  // cancel() edits m_order
    for (const QString& id : ids)
        if (Job* j = job(id); j && j->repo == repoId)
            cancel(id);
}

QStringList DownloadManager::restoreFromJournal()
{
    QStringList ids;
    if (!m_journal)
        return ids;
    std::map<QString, QList<DownloadFileState>> byJob;
    for (const DownloadFileState& s : m_journal->all())
        byJob[jobId(s.repo, s.revision)].append(s);
    for (auto& [id, records] : byJob) {
        const DownloadFileState& first = records.first();
        if (job(id) || std::all_of(records.begin(), records.end(), [](const auto& r) { return r.state == u"done"; })) {
            if (!job(id))
                m_journal->removeJob(first.repo, first.revision);
            continue;
        }
        auto j = std::make_unique<Job>();
        j->generation = ++m_generations;
        j->id = id;
        j->repo = first.repo;
        j->revision = first.revision;
        j->commit = isCommitHash(first.commit) ? first.commit : QString();
        QString failure;
        bool paused = false;
        for (const DownloadFileState& r : records) {
            j->exactFiles.append(r.path);
            FileTask f;
            f.path = r.path;
            f.done = r.bytesDone;
            f.state = r.state == u"done" ? FileState::Done : FileState::Queued;
            j->files.push_back(f);
            paused = paused || r.state == u"paused";
            if (r.state == u"failed" && failure.isEmpty())
                failure = r.error.isEmpty() ? QStringLiteral("failed before Fathom was restarted") : r.error;
        }
        Job& ref = *j;
        m_jobs[id] = std::move(j);
        m_order.push_back(id);
        ids.append(id);
        if (!isValidRepoId(ref.repo) || !failure.isEmpty())
            failJob(ref, failure.isEmpty() ? QStringLiteral("stored repo id '%1' is not valid").arg(ref.repo) : failure);
        else if (paused)
            setJobState(ref, JobState::Paused);
        else {
            ref.state = JobState::Paused;  // resume() restarts paused or failed jobs
            resume(id);
        }
    }
    return ids;
}

void DownloadManager::failJob(Job& job, const QString& message)
{
    stopTransfers(job, false);
    job.error = message;
    for (const FileTask& f : job.files)
        save(job, f);
    setJobState(job, JobState::Failed, message);
    emit jobFailed(job.id, message);
    schedule();
}

void DownloadManager::completeIfDone(Job& job)
{
    if (job.state != JobState::Downloading ||
        !std::all_of(job.files.begin(), job.files.end(), [](const FileTask& f) { return f.state == FileState::Done; }))
        return;
    try {
        m_cache.writeRef(job.repo, job.revision, job.commit);
    } catch (const Error& e) {
        return failJob(job, QString::fromStdString(e.what()));
    }
    if (m_journal)
        m_journal->removeJob(job.repo, job.revision);  // the cache itself now says the model is installed
    tick();
    setJobState(job, JobState::Done);
    emit jobFinished(job.id, m_cache.snapshotDir(job.repo, job.commit));
}

void DownloadManager::setJobState(Job& job, JobState state, const QString& message)
{
    job.state = state;
    emit jobStateChanged(job.id, state, message);
}

void DownloadManager::setFileState(Job& job, FileTask& file, FileState state, const QString& message)
{
    file.state = state;
    save(job, file);
    emit fileStateChanged(job.id, file.path, state, message);
}

void DownloadManager::save(const Job& job, const FileTask& file)
{
    if (!m_journal)
        return;
    DownloadFileState s;
    s.repo = job.repo;
    s.revision = job.revision;
    s.commit = job.commit;
    s.path = file.path;
    s.sha256 = file.haveMeta ? file.meta.etag : QString();
    s.size = file.haveMeta ? file.meta.size : -1;
    s.bytesDone = file.done;
    s.state = stateName(file.state);
    s.error = file.error;
    m_journal->save(s);
}

void DownloadManager::tick()
{
    ++m_ticks;
    bool any = false;
    for (const QString& id : m_order) {
        Job* j = job(id);
        if (!j || j->state != JobState::Downloading)
            continue;
        any = true;
        qint64 done = 0, total = 0;
        for (FileTask& f : j->files) {
            done += f.done;
            total += f.meta.size;
            if (f.done != f.reportedDone) {
                f.reportedDone = f.done;
                emit fileProgress(j->id, f.path, f.done, f.meta.size);
                if (f.state == FileState::Downloading && m_ticks % 4 == 0)
                    save(*j, f);  // bytesDone for the GUI after a restart; resume itself reads the file
            }
        }
        const double dt = std::max<qint64>(1, j->clock.restart()) / 1000.0;
        if (j->lastDone >= 0) {
            const double now = std::max<qint64>(0, done - j->lastDone) / dt;
            j->speed = j->speed <= 0 ? now : 0.8 * j->speed + 0.2 * now;  // smooth over ~1 s
        }
        j->lastDone = done;
        const qint64 eta = j->speed > 1 ? qint64((total - done) / j->speed) : -1;
        emit jobProgress(j->id, done, total, j->speed, eta);
    }
    if (!any)
        m_ticker.stop();
}

}  // namespace fathom::app
