#include "storage/open_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace fathom::storage {

OpenLock::~OpenLock()
{
    if (m_fd >= 0)
        ::close(m_fd);  // releases the flock
}

bool OpenLock::acquire(const std::string& dbPath)
{
    if (dbPath.empty() || dbPath == ":memory:" || dbPath.rfind("file:", 0) == 0)
        return true;
    m_fd = ::open((dbPath + "-fathom.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (m_fd < 0)
        return false;  // read-only folder: be conservative and skip recovery
    if (::flock(m_fd, LOCK_EX | LOCK_NB) == 0)
        return true;
    // Someone else has it open: join them as a shared holder. Blocking is brief: an exclusive
    // holder only keeps it for the recovery UPDATE.
    ::flock(m_fd, LOCK_SH);
    return false;
}

void OpenLock::share()
{
    // Linux converts EX -> SH non-atomically; another process slipping in between only runs a
    // recovery that finds nothing of ours, since we have not started any reply yet.
    if (m_fd >= 0)
        ::flock(m_fd, LOCK_SH);
}

}  // namespace fathom::storage
