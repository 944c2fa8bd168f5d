// DownloadService: thread plumbing around DownloadManager for the GUI (the worker side is DownloadWorker).
#include "app/hub/download_service.h"

#include "app/hub/download_worker.h"

namespace fathom::app {

DownloadService::DownloadService(const Config& config, QObject* parent) : QObject(parent), m_worker(new DownloadWorker(config))
{
    qRegisterMetaType<fathom::app::CachedModel>();
    qRegisterMetaType<QList<fathom::app::CachedModel>>();
    qRegisterMetaType<fathom::app::LocalGguf>();
    qRegisterMetaType<QList<fathom::app::LocalGguf>>();
    qRegisterMetaType<fathom::app::DeviceMemory>();
    qRegisterMetaType<fathom::app::DownloadManager::JobState>();
    qRegisterMetaType<fathom::app::DownloadManager::FileState>();
    m_thread.setObjectName(QStringLiteral("fathom-downloads"));
    m_worker->moveToThread(&m_thread);
    m_worker->manager()->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    DownloadManager* m = m_worker->manager();
    connect(m, &DownloadManager::jobStateChanged, this, &DownloadService::jobStateChanged);
    connect(m, &DownloadManager::jobProgress, this, &DownloadService::jobProgress);
    connect(m, &DownloadManager::fileProgress, this, &DownloadService::fileProgress);
    connect(m, &DownloadManager::fileStateChanged, this, &DownloadService::fileStateChanged);
    connect(m, &DownloadManager::jobFinished, this, &DownloadService::jobFinished);
    connect(m, &DownloadManager::jobFailed, this, &DownloadService::jobFailed);
    connect(m_worker, &DownloadWorker::installedModels, this, &DownloadService::installedModels);
    connect(m_worker, &DownloadWorker::installedGguf, this, &DownloadService::installedGguf);
    connect(m_worker, &DownloadWorker::deviceMemoryFound, this, &DownloadService::deviceMemoryFound);
    connect(m_worker, &DownloadWorker::errorOccurred, this, &DownloadService::errorOccurred);
    m_thread.start();
    QMetaObject::invokeMethod(m_worker, &DownloadWorker::start, Qt::QueuedConnection);
}

DownloadService::~DownloadService()
{
    m_thread.quit();  // the worker (and its manager) are deleted on the worker thread as it ends
    m_thread.wait();
}

void DownloadService::download(const QString& repoId, const QString& revision, const QStringList& includeGlobs)
{
    DownloadManager* m = m_worker->manager();
    QMetaObject::invokeMethod(m, [m, repoId, revision, includeGlobs]() { m->download(repoId, revision, includeGlobs); },
                              Qt::QueuedConnection);
}

void DownloadService::pause(const QString& jobId)
{
    QMetaObject::invokeMethod(m_worker->manager(), "pause", Qt::QueuedConnection, Q_ARG(QString, jobId));
}

void DownloadService::resume(const QString& jobId)
{
    QMetaObject::invokeMethod(m_worker->manager(), "resume", Qt::QueuedConnection, Q_ARG(QString, jobId));
}

void DownloadService::cancel(const QString& jobId)
{
    QMetaObject::invokeMethod(m_worker->manager(), "cancel", Qt::QueuedConnection, Q_ARG(QString, jobId));
}

void DownloadService::refreshInstalled()
{
    QMetaObject::invokeMethod(m_worker, &DownloadWorker::refreshInstalled, Qt::QueuedConnection);
}

void DownloadService::deleteModel(const QString& repoId)
{
    QMetaObject::invokeMethod(m_worker, "deleteModel", Qt::QueuedConnection, Q_ARG(QString, repoId));
}

}  // namespace fathom::app
