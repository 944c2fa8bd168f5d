// The worker-thread half of DownloadService: owns the DownloadManager, the database connection for
// its journal and the scanner. Created and destroyed on the worker thread; only DownloadService uses it.
#pragma once

#include "app/hub/download_service.h"

#include <memory>

namespace fathom::storage {
class Database;
}

namespace fathom::app {

class DownloadJournal;

class DownloadWorker final : public QObject {
    Q_OBJECT
public:
    explicit DownloadWorker(const DownloadService::Config& config);
    ~DownloadWorker() override;

    DownloadManager* manager() const { return m_manager.get(); }

public slots:
    void start();  // opens the database and restores unfinished downloads
    void refreshInstalled();
    void deleteModel(const QString& repoId);

signals:
    void installedModels(const QList<fathom::app::CachedModel>& models);
    void installedGguf(const QList<fathom::app::LocalGguf>& files);
    void deviceMemoryFound(const fathom::app::DeviceMemory& memory);
    void errorOccurred(const QString& message);

private:
    DownloadService::Config m_config;
    std::unique_ptr<storage::Database> m_db;
    std::unique_ptr<DownloadJournal> m_journal;
    std::unique_ptr<DownloadManager> m_manager;
};

}  // namespace fathom::app
