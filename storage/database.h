// One SQLite connection to Fathom's database: opens it in WAL mode with foreign keys on, brings the
// schema up to date (PRAGMA user_version + forward migrations), and turns replies that a crashed
// process left `streaming` into `interrupted`. A Database is used by one thread at a time (the
// StorageWorker's, or a CLI's main thread); other threads go through StorageWorker.
// Built on the sqlite3 C API rather than Qt SQL so that storage stays Qt-free: fathom-cli, the
// tests and the crash helper use the very same code and schema as the GUI without linking Qt.
#pragma once

#include "storage/open_lock.h"

#include <cstdint>
#include <string>

struct sqlite3;

namespace fathom::storage {

struct DatabaseOptions {
    int busyTimeoutMs = 5000;      // another process (CLI vs app) holding the write lock: wait this long
    bool durableCommits = true;    // synchronous=FULL: a commit survives power loss, not only kill -9
    int schemaVersion = -1;        // -1 = newest; tests stop at older versions to test migrations
    bool recoverInterrupted = true; // turn leftover `streaming` replies into `interrupted` on open
};

class Database final {
public:
    // Creates the file when missing. Throws fathom::Error naming `path` and the problem.
    explicit Database(const std::string& path, const DatabaseOptions& options = {});
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    sqlite3* handle() const { return m_db; }
    const std::string& path() const { return m_path; }

    // Runs SQL that returns no rows (may hold several statements).
    void exec(const std::string& sql) const;
    int userVersion() const;
    std::int64_t lastInsertId() const;
    int changes() const;
    // How many `streaming` replies this open turned into `interrupted`.
    int interruptedOnOpen() const { return m_interruptedOnOpen; }

    // Throws an Error "PATH: WHAT: sqlite's message"; `rc` picks the ErrorKind (busy/full = Resource).
    [[noreturn]] void fail(const std::string& what, int rc = 0) const;

    static std::int64_t nowMs();  // wall-clock milliseconds since the Unix epoch, the stored time unit

private:
    void configure(const DatabaseOptions& options);
    int recoverInterrupted();

    std::string m_path;
    sqlite3* m_db = nullptr;
    OpenLock m_lock;
    int m_interruptedOnOpen = 0;
};

}  // namespace fathom::storage
