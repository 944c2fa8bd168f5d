// Models Fathom knows about — downloaded through the download manager or added from a folder —
// so the model picker lists them without rescanning the disk, with "last used" for ordering.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fathom::storage {

class Database;

struct ModelRecord {
    std::string folder;        // hub snapshot folder; the key
    std::string repo;          // "deepseek-ai/DeepSeek-Coder-V2-Lite-Instruct", empty for a local folder
    std::string revision;      // commit of the snapshot, when known
    std::string name;          // shown in the UI
    std::string architecture;  // config.json "architectures"[0]
    std::int64_t sizeBytes = 0;
    std::int64_t addedAt = 0;     // ms since epoch; 0 in upsert() = now
    std::int64_t lastUsedAt = 0;  // 0 = never
};

class ModelRecords final {
public:
    explicit ModelRecords(const Database& db) : m_db(db) {}

    void upsert(const ModelRecord& record);  // key: folder
    std::vector<ModelRecord> list() const;   // most recently used first, then by name
    std::optional<ModelRecord> find(const std::string& folder) const;
    void markUsed(const std::string& folder);
    void remove(const std::string& folder);

private:
    const Database& m_db;
};

}  // namespace fathom::storage
