#include "storage/download_records.h"

#include "base/error.h"
#include "storage/database.h"
#include "storage/statement.h"
#include "storage/transaction.h"

namespace fathom::storage {

namespace {

constexpr const char* kColumns =
    "repo, revision, commit_sha, path, sha256, size, bytes_done, state, error, updated_at";

bool isKnownState(const std::string& s)
{
    return s == "queued" || s == "active" || s == "paused" || s == "done" || s == "failed";
}

std::vector<DownloadFileRecord> readAll(Statement& s)
{
    std::vector<DownloadFileRecord> out;
    while (s.step()) {
        DownloadFileRecord r;
        r.repo = s.textAt(0);
        r.revision = s.textAt(1);
        r.commit = s.textAt(2);
        r.path = s.textAt(3);
        r.sha256 = s.textAt(4);
        r.size = s.intAt(5);
        r.bytesDone = s.intAt(6);
        r.state = s.textAt(7);
        r.error = s.textAt(8);
        r.updatedAt = s.intAt(9);
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace

void DownloadRecords::upsert(const DownloadFileRecord& r)
{
    if (r.repo.empty() || r.path.empty())
        throwUserError("download record needs a repo and a path (got repo '" + r.repo + "', path '" + r.path + "')");
    if (!isKnownState(r.state))
        throwUserError("download record " + r.repo + "/" + r.path + ": unknown state '" + r.state +
                       "' (expected queued, active, paused, done or failed)");
    inTransaction(m_db, [&] {
        Statement s(m_db, "INSERT OR REPLACE INTO download_files "
                          "(repo, revision, commit_sha, path, sha256, size, bytes_done, state, error, updated_at) "
                          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
        s.bindText(1, r.repo).bindText(2, r.revision).bindText(3, r.commit).bindText(4, r.path);
        s.bindText(5, r.sha256).bindInt(6, r.size).bindInt(7, r.bytesDone).bindText(8, r.state);
        s.bindText(9, r.error).bindInt(10, r.updatedAt ? r.updatedAt : Database::nowMs());
        s.run();
    });
}

std::vector<DownloadFileRecord> DownloadRecords::list() const
{
    Statement s(m_db, (std::string("SELECT ") + kColumns + " FROM download_files ORDER BY repo, path").c_str());
    return readAll(s);
}

std::vector<DownloadFileRecord> DownloadRecords::forRepo(const std::string& repo) const
{
    Statement s(m_db,
                (std::string("SELECT ") + kColumns + " FROM download_files WHERE repo = ?1 ORDER BY path").c_str());
    s.bindText(1, repo);
    return readAll(s);
}

void DownloadRecords::remove(const std::string& repo, const std::string& path)
{
    inTransaction(m_db, [&] {
        Statement s(m_db, "DELETE FROM download_files WHERE repo = ?1 AND path = ?2");
        s.bindText(1, repo).bindText(2, path).run();
    });
}

void DownloadRecords::removeRepo(const std::string& repo)
{
    inTransaction(m_db, [&] {
        Statement s(m_db, "DELETE FROM download_files WHERE repo = ?1");
        s.bindText(1, repo).run();
    });
}

}  // namespace fathom::storage
