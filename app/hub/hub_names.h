// Checks on every name that comes from the hub or the user before it touches the file system:
// repo ids, revisions, file paths inside a repo, etags (docs/RELIABILITY.md, "Hub downloads").
#pragma once

#include <QString>

namespace fathom::app {

// "org/name" as huggingface_hub's validate_repo_id accepts it: one slash, [A-Za-z0-9._-], no "--"
// or "..", at most 96 characters. Throws fathom::Error(UserInput) naming the id and the problem.
void checkRepoId(const QString& repoId);
bool isValidRepoId(const QString& repoId);

// A branch, tag or commit. Becomes refs/<revision> in the cache, so it is checked like a path.
void checkRevision(const QString& revision);

// A file path inside a repo as the hub lists it (siblings[].rfilename): relative, '/'-separated,
// no "..", ".", empty or absolute parts, no NUL, no backslash.
void checkRepoFilePath(const QString& path);

bool isCommitHash(const QString& s);  // 40 lowercase hex digits (a git sha1)
bool isSha256Hex(const QString& s);   // 64 lowercase hex digits

// ETag header value without W/ and quotes: W/"abc" -> abc.
QString normalizeEtag(const QByteArray& headerValue);

// fnmatch(3) as Python's fnmatch uses it for allow_patterns: '*' and '?' also match '/', [...] sets.
bool globMatch(const QString& pattern, const QString& path);

// "org/name" -> "models--org--name" (huggingface_hub's repo folder name).
QString repoFolderName(const QString& repoId);

// 1536 -> "1.5 KB", 31400000000 -> "31.4 GB" (decimal units, as the hub shows sizes).
QString formatBytes(qint64 bytes);

}  // namespace fathom::app
