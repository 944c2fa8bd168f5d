#include "storage/database.h"

#include "base/error.h"
#include "base/path_check.h"
#include "storage/migrations.h"
#include "storage/statement.h"

#include <sqlite3.h>

#include <chrono>

namespace fathom::storage {

Database::Database(const std::string& path, const DatabaseOptions& options) : m_path(path)
{
    // FULLMUTEX: a ReplyWriter may flush from its timer thread while its owner thread idles; the
    // connection's own mutex makes those hand-offs safe (they never overlap in a transaction).
    // A folder, a symlink loop or a missing parent would otherwise reach the user as SQLite's
    // "unable to open database file".
    if (path != ":memory:" && path.rfind("file:", 0) != 0)
        requireFileLocation(path);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_URI;
    int rc = sqlite3_open_v2(path.c_str(), &m_db, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string why = m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
        sqlite3_close(m_db);
        m_db = nullptr;
        throwFileError(path, "cannot open the database (" + why + ")");
    }
    try {
        sqlite3_extended_result_codes(m_db, 1);
        bool alone = m_lock.acquire(path);
        configure(options);
        int target = options.schemaVersion < 0 ? kSchemaVersion : options.schemaVersion;
        migrate(*this, migrationSteps(), target);
        if (alone && options.recoverInterrupted && target >= 1)
            m_interruptedOnOpen = recoverInterrupted();
        m_lock.share();
    } catch (...) {
        sqlite3_close_v2(m_db);
        m_db = nullptr;
        throw;
    }
}

Database::~Database()
{
    // close_v2 never fails with SQLITE_BUSY: any statement a caller leaked is finalised later.
    sqlite3_close_v2(m_db);
}

void Database::configure(const DatabaseOptions& options)
{
    // busy_timeout first, so the journal-mode switch below waits for another process instead of
    // failing at once.
    sqlite3_busy_timeout(m_db, options.busyTimeoutMs);
    {
        Statement mode(*this, "PRAGMA journal_mode=WAL");
        std::string got = mode.step() ? mode.textAt(0) : "";
        // An in-memory database reports "memory"; everything on disk must really be WAL, which is
        // what lets readers (search, history) run while a reply streams in.
        if (got != "wal" && got != "memory")
            throwFileError(m_path, "cannot switch the database to WAL mode (got '" + got + "')");
    }
    exec("PRAGMA foreign_keys=ON");
    exec(options.durableCommits ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
}

int Database::recoverInterrupted()
{
    Statement update(*this, "UPDATE messages SET status='interrupted', updated_at=?1 WHERE status='streaming'");
    update.bindInt(1, nowMs()).run();
    return changes();
}

void Database::exec(const std::string& sql) const
{
    char* message = nullptr;
    int rc = sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
        std::string why = message ? message : sqlite3_errstr(rc);
        sqlite3_free(message);
        int base = rc & 0xff;
        if (base == SQLITE_NOTADB || base == SQLITE_CORRUPT)
            throwFileError(m_path, "not a Fathom database, or the file is damaged (" + why + ")");
        // The same advice as fail(): a COMMIT on a full disk fails here, not in a statement.
        if (base == SQLITE_FULL)
            throw Error(ErrorKind::Resource, m_path + ": " + why + "; free some disk space");
        bool resource = base == SQLITE_BUSY || base == SQLITE_LOCKED;
        throw Error(resource ? ErrorKind::Resource : ErrorKind::Internal, m_path + ": " + why);
    }
}

int Database::userVersion() const
{
    Statement s(*this, "PRAGMA user_version");
    return s.step() ? static_cast<int>(s.intAt(0)) : 0;
}

std::int64_t Database::lastInsertId() const { return sqlite3_last_insert_rowid(m_db); }

int Database::changes() const { return sqlite3_changes(m_db); }

void Database::fail(const std::string& what, int rc) const
{
    if (rc == 0)
        rc = sqlite3_extended_errcode(m_db);
    std::string message = m_path + ": " + what + " (" + sqlite3_errmsg(m_db) + ")";
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        throw Error(ErrorKind::Resource, message + "; another program is writing to it, try again");
    case SQLITE_FULL:
        throw Error(ErrorKind::Resource, message + "; free some disk space");
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
        throw Error(ErrorKind::UserInput, m_path + ": not a Fathom database, or the file is damaged (" +
                                              sqlite3_errmsg(m_db) + ")");
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
        throw Error(ErrorKind::UserInput, message + "; check the file's permissions");
    default:
        throw Error(ErrorKind::Internal, message);
    }
}

std::int64_t Database::nowMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace fathom::storage
