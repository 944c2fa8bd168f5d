// Streaming detokenizer: turns generated ids into text one id at a time, emitting only whole UTF-8
// characters (a CJK character or emoji often spans two or three byte-level tokens). The
// concatenated output equals Tokenizer::decode() of all ids.
#pragma once

#include <cstdint>
#include <string>

namespace fathom::inference {

class Tokenizer;

class StreamDecoder final {
public:
    explicit StreamDecoder(const Tokenizer& tokenizer, bool skipSpecial = false)
        : m_tokenizer(tokenizer), m_skipSpecial(skipSpecial)
    {
    }

    // Text that became complete with this id (may be empty). Unknown ids add nothing.
    std::string push(std::int32_t id);
    // What is still held back at the end of generation, repaired to valid UTF-8 (U+FFFD).
    std::string flush();
    // Bytes held back waiting for the rest of a character (0..3).
    std::size_t pendingBytes() const { return m_pending.size(); }

private:
    const Tokenizer& m_tokenizer;
    bool m_skipSpecial;
    std::string m_pending;
};

}  // namespace fathom::inference
