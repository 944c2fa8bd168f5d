// UTF-8 helpers shared by the tokenizer, the streaming detokenizer and the prompt code: validation
// with a position for error messages, lossy repair, and "how much of this is whole characters".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace fathom::inference::utf8 {

// Length of the valid UTF-8 sequence starting at s[pos] (1..4), or 0 if the bytes there are not a
// complete, valid sequence (bad lead byte, bad continuation, overlong, surrogate, > U+10FFFF,
// or cut short by the end of s).
std::size_t validSequenceLength(std::string_view s, std::size_t pos);

// Offset of the first byte that is not part of valid UTF-8, or npos if all of s is valid.
std::size_t firstInvalid(std::string_view s);

// Number of bytes at the end of s that are a valid but unfinished character (0..3): they could
// still become a character when more bytes arrive, so a stream should hold them back.
std::size_t incompleteTailLength(std::string_view s);

// s with every maximal invalid subpart replaced by U+FFFD, the way Rust's String::from_utf8_lossy
// (and so Hugging Face's ByteLevel decoder) does it; valid input comes back unchanged.
std::string toValidLossy(std::string_view s);

// Appends code point cp (must be <= U+10FFFF) as UTF-8.
void append(std::string& out, std::uint32_t cp);

}  // namespace fathom::inference::utf8
