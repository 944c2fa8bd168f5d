// GPT-2's byte-level alphabet (Hugging Face `ByteLevel`): every byte 0..255 is shown as one printable
// Unicode character, so BPE can work on any bytes while the vocab stays valid UTF-8 text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace fathom::inference::byte_level {

// The UTF-8 text of the character that stands for byte b (1 or 2 bytes long).
std::string_view charFor(std::uint8_t b);

// Appends the byte-level form of raw bytes to out.
void encode(std::string_view bytes, std::string& out);

// Appends the raw bytes a byte-level token stands for. Returns false (and appends nothing) when the
// token holds a character outside the alphabet; Hugging Face then keeps the token's own UTF-8.
bool decode(std::string_view token, std::string& out);

}  // namespace fathom::inference::byte_level
