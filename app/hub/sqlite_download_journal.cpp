// SqliteDownloadJournal: field-for-field mapping between the manager's state and storage's rows.
#include "app/hub/sqlite_download_journal.h"

namespace fathom::app {

void SqliteDownloadJournal::save(const DownloadFileState& s)
{
    storage::DownloadFileRecord r;
    r.repo = s.repo.toStdString();
    r.revision = s.revision.toStdString();
    r.commit = s.commit.toStdString();
    r.path = s.path.toStdString();
    r.sha256 = s.sha256.toStdString();
    r.size = s.size < 0 ? 0 : s.size;  // 0 until the HEAD: storage keeps sizes non-negative
    r.bytesDone = s.bytesDone;
    r.state = s.state.toStdString();
    r.error = s.error.toStdString();
    m_records.upsert(r);
}

QList<DownloadFileState> SqliteDownloadJournal::all()
{
    QList<DownloadFileState> out;
    for (const storage::DownloadFileRecord& r : m_records.list()) {
        DownloadFileState s;
        s.repo = QString::fromStdString(r.repo);
        s.revision = QString::fromStdString(r.revision);
        s.commit = QString::fromStdString(r.commit);
        s.path = QString::fromStdString(r.path);
        s.sha256 = QString::fromStdString(r.sha256);
        s.size = r.size;
        s.bytesDone = r.bytesDone;
        s.state = QString::fromStdString(r.state);
        s.error = QString::fromStdString(r.error);
        out.append(s);
    }
    return out;
}

void SqliteDownloadJournal::removeJob(const QString& repo, const QString& revision)
{
    // Rows are keyed by (repo, path): a repo has one download at a time, whatever its revision.
    for (const storage::DownloadFileRecord& r : m_records.forRepo(repo.toStdString()))
        if (r.revision == revision.toStdString())
            m_records.remove(r.repo, r.path);
}

}  // namespace fathom::app
