// Tells whether this process is the only one with the database open, so that turning leftover
// `streaming` replies into `interrupted` never touches a reply another live process (the app while
// the CLI runs, or the reverse) is still writing. Uses flock() on "<db>-fathom.lock": the kernel
// drops the lock when a process dies, kill -9 included, so a crashed writer never blocks recovery.
#pragma once

#include <string>

namespace fathom::storage {

class OpenLock final {
public:
    OpenLock() = default;
    ~OpenLock();
    OpenLock(const OpenLock&) = delete;
    OpenLock& operator=(const OpenLock&) = delete;

    // Takes the lock for `dbPath`; returns true when no other process holds it: we then hold it
    // exclusively until share(), so recovery runs while nobody else can start writing. Otherwise the
    // lock is held shared. In-memory databases: true.
    bool acquire(const std::string& dbPath);
    // Downgrades to shared, held for this object's lifetime, letting other processes open too.
    void share();

private:
    int m_fd = -1;
};

}  // namespace fathom::storage
