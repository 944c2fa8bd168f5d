// Turns what the filesystem says about a path the user gave (a model folder, a database file) into
// one user error naming the path and the reason: permission denied, a symlink loop, not a folder.
// Without these checks such paths surfaced as "file not found" or as an internal
// std::filesystem_error (exit status 2), though the user is the one who can fix them.
#pragma once

#include <string>

namespace fathom {

// Throws fathom::Error(UserInput) "PATH: reason" unless PATH is a folder this process can list
// and enter.
void requireFolder(const std::string& path);

// True when PATH exists, false when it (or a folder on the way) does not; any other answer
// (a symlink loop, permission denied on a folder above it) throws "PATH: reason".
bool pathExists(const std::string& path);

// For a database file: PATH may be missing (it will be created) but must not be a folder, and
// the folder it would be created in must be usable. Throws "PATH: reason".
void requireFileLocation(const std::string& path);

}  // namespace fathom
