// The byte-level BPE model of tokenizer.json ("model": {"type": "BPE", ...}): vocab, merges, and
// the merge loop that turns one pre-tokenized piece of raw bytes into token ids, with a cache.
#pragma once

#include "inference/tokenizer/merge_table.h"
#include "inference/tokenizer/vocab_index.h"

#include <nlohmann/json_fwd.hpp>

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace fathom::inference {

// Hash for string-keyed maps that can be searched with a string_view (no temporary string).
struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
template <typename V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

class BpeModel final {
public:
    // Parses and validates the "model" object (docs/RELIABILITY.md case 9). `file` names tokenizer.json
    // in errors. Throws fathom::Error(UserInput).
    BpeModel(const nlohmann::json& model, const std::string& file);

    // Appends the ids of one piece of raw bytes (not yet byte-level mapped). Thread-safe.
    void encodePiece(std::string_view piece, std::vector<std::int32_t>& out) const;

    // Vocab lookups; the token text is the byte-level form as written in tokenizer.json.
    std::optional<std::int32_t> find(std::string_view token) const { return m_index.find(token); }
    std::size_t vocabSize() const { return m_vocabSize; }
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

    VocabIndex m_index;  // byte-level text -> id
    std::size_t m_vocabSize = 0;
    StringMap<std::int32_t> m_rawToId;  // raw bytes -> id, filled only with ignore_merges
    std::vector<std::string> m_idToToken;                     // id -> byte-level text ("" = unused id)
    std::array<std::int32_t, 256> m_byteId{};                 // raw byte -> id of its one-char token, -1 if none
    MergeTable m_merges;
    std::size_t m_mergeCount = 0;
    std::size_t m_maxTokenBytes = 0;
    bool m_ignoreMerges = false;

    // Pieces repeat a lot in real text (words, indentation); caching their ids skips the merge loop.
    static constexpr std::size_t kCacheMaxPieceBytes = 256;
    static constexpr std::size_t kCacheMaxBytes = 32u << 20;  // keys + ids + ~64 bytes of overhead each
    mutable std::mutex m_cacheMutex;
    mutable StringMap<std::vector<std::int32_t>> m_cache;
    mutable std::size_t m_cacheBytes = 0;
};

}  // namespace fathom::inference
