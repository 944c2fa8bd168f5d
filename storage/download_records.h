// Per-file download records, so the download manager (app/downloads) can resume every file after a
// restart and show what is queued, running, paused, done or failed. Keyed by repo + path.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fathom::storage {

class Database;

struct DownloadFileRecord {
    std::string repo;      // "deepseek-ai/DeepSeek-V2-Lite-Chat"
    std::string revision;  // what was asked for: "main", a tag or a commit
    std::string commit;    // the commit the hub resolved it to (x-repo-commit)
    std::string path;      // file inside the repo, "model-00001-of-000004.safetensors"
    std::string sha256;    // expected LFS sha256 (hex), empty when the hub gives none
    std::int64_t size = 0, bytesDone = 0;
    std::string state;  // "queued" | "active" | "paused" | "done" | "failed" — stored on disk, never rename
    std::string error;  // last failure, for the UI
    std::int64_t updatedAt = 0;  // ms since epoch; 0 in upsert() = now
};

class DownloadRecords final {
public:
    explicit DownloadRecords(const Database& db) : m_db(db) {}

    // Inserts or replaces the record for (repo, path). Throws UserInput for an unknown state or an
    // empty repo/path, naming the value.
    void upsert(const DownloadFileRecord& record);
    std::vector<DownloadFileRecord> list() const;  // ordered by repo, then path
    std::vector<DownloadFileRecord> forRepo(const std::string& repo) const;
    void remove(const std::string& repo, const std::string& path);
    void removeRepo(const std::string& repo);

private:
    const Database& m_db;
};

}  // namespace fathom::storage
