#include "storage/model_records.h"

#include "base/error.h"
#include "storage/database.h"
#include "storage/statement.h"
#include "storage/transaction.h"

namespace fathom::storage {

namespace {

constexpr const char* kSelect =
    "SELECT folder, repo, revision, name, architecture, size_bytes, added_at, last_used_at FROM models ";

ModelRecord readRow(const Statement& s)
{
    ModelRecord r;
    r.folder = s.textAt(0);
    r.repo = s.textAt(1);
    r.revision = s.textAt(2);
    r.name = s.textAt(3);
    r.architecture = s.textAt(4);
    r.sizeBytes = s.intAt(5);
    r.addedAt = s.intAt(6);
    r.lastUsedAt = s.intAt(7);
    return r;
}

}  // namespace

void ModelRecords::upsert(const ModelRecord& r)
{
    if (r.folder.empty())
        throwUserError("model record needs a folder");
    inTransaction(m_db, [&] {
        Statement s(m_db, "INSERT OR REPLACE INTO models "
                          "(folder, repo, revision, name, architecture, size_bytes, added_at, last_used_at) "
                          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
        s.bindText(1, r.folder).bindText(2, r.repo).bindText(3, r.revision).bindText(4, r.name);
        s.bindText(5, r.architecture).bindInt(6, r.sizeBytes);
        s.bindInt(7, r.addedAt ? r.addedAt : Database::nowMs()).bindInt(8, r.lastUsedAt);
        s.run();
    });
}

std::vector<ModelRecord> ModelRecords::list() const
{
    Statement s(m_db, (std::string(kSelect) + "ORDER BY last_used_at DESC, name, folder").c_str());
    std::vector<ModelRecord> out;
    while (s.step())
        out.push_back(readRow(s));
    return out;
}

std::optional<ModelRecord> ModelRecords::find(const std::string& folder) const
{
    Statement s(m_db, (std::string(kSelect) + "WHERE folder = ?1").c_str());
    s.bindText(1, folder);
    if (!s.step())
        return std::nullopt;
    return readRow(s);
}

void ModelRecords::markUsed(const std::string& folder)
{
    inTransaction(m_db, [&] {
        Statement s(m_db, "UPDATE models SET last_used_at = ?2 WHERE folder = ?1");
        s.bindText(1, folder).bindInt(2, Database::nowMs()).run();
    });
}

void ModelRecords::remove(const std::string& folder)
{
    inTransaction(m_db, [&] {
        Statement s(m_db, "DELETE FROM models WHERE folder = ?1");
        s.bindText(1, folder).run();
    });
}

}  // namespace fathom::storage
