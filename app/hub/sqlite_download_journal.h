// DownloadJournal on the app database: per-file rows through fathom::storage::DownloadRecords, so the
// download manager resumes after a restart. Uses the Database on the manager's thread only.
#pragma once

#include "app/hub/download_journal.h"

#include "storage/download_records.h"

namespace fathom::app {

class SqliteDownloadJournal final : public DownloadJournal {
public:
    explicit SqliteDownloadJournal(const storage::Database& db) : m_records(db) {}

    void save(const DownloadFileState& state) override;
    QList<DownloadFileState> all() override;
    void removeJob(const QString& repo, const QString& revision) override;

private:
    storage::DownloadRecords m_records;
};

}  // namespace fathom::app
