// The byte-level BPE model of tokenizer.json ("model": {"type": "BPE", ...}): vocab, merges, and
// the merge loop that turns one pre-tokenized piece of raw bytes into token ids, with a cache.
#pragma once

#include "inference/tokenizer/merge_table.h"

#include <nlohmann/json_fwd.hpp>

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace fathom::inference {

class BpeModel final {
public:
    // Parses and validates the "model" object (RELIABILITY.md case 9). `file` names tokenizer.json
    // in errors. Throws fathom::Error(UserInput).
    BpeModel(const nlohmann::json& model, const std::string& file);

    // Appends the ids of one piece of raw bytes (not yet byte-level mapped). Thread-safe.
    void encodePiece(std::string_view piece, std::vector<std::int32_t>& out) const;

    // Vocab lookups; the token text is the byte-level form as written in tokenizer.json.
    const std::unordered_map<std::string, std::int32_t>& vocab() const { return m_vocab; }
    // Token text by id; empty when the id has no vocab entry.
    std::string_view tokenText(std::int32_t id) const;
    std::int32_t idLimit() const { return static_cast<std::int32_t>(m_idToToken.size()); }
    std::size_t maxTokenBytes() const { return m_maxTokenBytes; }
    std::size_t mergeCount() const { return m_mergeCount; }
    bool ignoreMerges() const { return m_ignoreMerges; }

    void clearCache() const;

private:
    void readVocab(const nlohmann::json& vocab, const std::string& file);
    void readMerges(const nlohmann::json& merges, const std::string& file);
    void mergeSymbols(std::string_view piece, std::vector<std::int32_t>& out) const;

    std::unordered_map<std::string, std::int32_t> m_vocab;  // byte-level text -> id
    std::unordered_map<std::string, std::int32_t> m_rawToId;  // raw bytes -> id (ignore_merges)
    std::vector<std::string> m_idToToken;                     // id -> byte-level text ("" = unused id)
    std::array<std::int32_t, 256> m_byteId{};                 // raw byte -> id of its one-char token, -1 if none
    MergeTable m_merges;
    std::size_t m_mergeCount = 0;
    std::size_t m_maxTokenBytes = 0;
    bool m_ignoreMerges = false;

    // Pieces repeat a lot in real text (words, indentation); caching their ids skips the merge loop.
    static constexpr std::size_t kCacheMaxPieceBytes = 256;
    static constexpr std::size_t kCacheMaxEntries = 200'000;
    mutable std::mutex m_cacheMutex;
    mutable std::unordered_map<std::string, std::vector<std::int32_t>> m_cache;
};

}  // namespace fathom::inference
