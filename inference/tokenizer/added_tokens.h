// The "added_tokens" of tokenizer.json (special tokens such as <｜begin▁of▁sentence｜> and plain
// ones such as <｜User｜>): validated against the vocab and found inside text before BPE runs.
#pragma once

#include "inference/tokenizer/span.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace fathom::inference {

class BpeModel;

struct AddedToken {
    std::int32_t id = 0;
    std::string content;
    bool special = false;     // skipped by decode(skipSpecial=true)
    bool normalized = false;  // matched after normalization (second pass) rather than on raw text
    bool lstrip = false;      // swallows whitespace on its left
    bool rstrip = false;      // swallows whitespace on its right
    bool singleWord = false;  // only matches when not inside a word
};

// A stretch of the input: either plain text (id < 0) to pre-tokenize, or one added token.
struct TextSegment {
    std::size_t begin = 0;
    std::size_t end = 0;
    std::int32_t id = -1;
};

class AddedTokens final {
public:
    // Validates the list (docs/RELIABILITY.md case 10): ids in range and unique, contents unique, and
    // consistent with the vocab when a token is also a vocab entry. Throws fathom::Error(UserInput).
    AddedTokens(const nlohmann::json& list, const BpeModel& model, const std::string& file);

    // Splits text into plain stretches and added tokens, leftmost-longest like HF: first the tokens
    // with normalized=false over the whole text, then the normalized=true ones in what is left.
    // No token is matched that overlaps one of `literal` (sorted, disjoint byte ranges).
    std::vector<TextSegment> split(std::string_view text, const std::vector<Span>& literal = {}) const;

    const std::vector<AddedToken>& tokens() const { return m_tokens; }
    const AddedToken* byId(std::int32_t id) const;
    const AddedToken* byContent(std::string_view content) const;
    std::int32_t maxId() const { return m_maxId; }

private:
    // A byte trie per matching pass; node 0 is the root.
    struct Trie {
        std::unordered_map<std::uint64_t, std::int32_t> edges;  // (node << 8 | byte) -> child
        std::vector<std::int32_t> terminal;                     // node -> index in m_tokens, or -1
        bool firstByte[256] = {};
        void add(std::string_view s, std::int32_t index);
    };
    void splitPass(const Trie& trie, std::string_view text, std::size_t begin, std::size_t end,
                   const std::vector<Span>& literal, std::vector<TextSegment>& out) const;

    std::vector<AddedToken> m_tokens;
    std::unordered_map<std::int32_t, std::size_t> m_byId;
    std::unordered_map<std::string, std::size_t> m_byContent;
    Trie m_raw, m_normalized;
    std::int32_t m_maxId = -1;
};

}  // namespace fathom::inference
