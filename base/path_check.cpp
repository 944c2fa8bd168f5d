// Path checks with the reason spelled out (see path_check.h).
#include "base/path_check.h"

#include "base/error.h"

#include <cerrno>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

namespace fathom {

namespace {

// errno from stat/access in words a user can act on.
std::string reason(int err)
{
    switch (err) {
    case ENOENT: return "no such file or folder";
    case ELOOP: return "too many levels of symbolic links (a symlink loop?)";
    case EACCES: return "permission denied";
    case ENOTDIR: return "a part of the path is not a folder";
    case ENAMETOOLONG: return "the path is too long";
    default: return std::strerror(err);
    }
}

}  // namespace

void requireFolder(const std::string& path)
{
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        throwFileError(path, errno == ENOENT ? std::string("folder not found") : reason(errno));
    if (!S_ISDIR(st.st_mode))
        throwFileError(path, "not a folder");
    if (::access(path.c_str(), R_OK | X_OK) != 0)
        throwFileError(path, "permission denied: the folder cannot be read");
}

bool pathExists(const std::string& path)
{
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0)
        return true;
    if (errno == ENOENT)
        return false;
    throwFileError(path, reason(errno));
}

void requireFileLocation(const std::string& path)
{
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode))
            throwFileError(path, "is a folder; give the path of a file inside it (e.g. " +
                                     (path.empty() || path.back() == '/' ? path : path + "/") + "chats.db)");
        return;
    }
    if (errno != ENOENT)
        throwFileError(path, reason(errno));
    const std::size_t slash = path.find_last_of('/');
    const std::string parent = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
    if (::stat(parent.c_str(), &st) != 0)
        throwFileError(path, "cannot be created: its folder " + parent + ": " + reason(errno));
    if (!S_ISDIR(st.st_mode))
        throwFileError(path, "cannot be created: " + parent + " is not a folder");
    if (::access(parent.c_str(), W_OK | X_OK) != 0)
        throwFileError(path, "cannot be created: permission denied in " + parent);
}

}  // namespace fathom
