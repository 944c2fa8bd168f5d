// Tables for the byte-level alphabet, built once on first use.
#include "inference/tokenizer/byte_level.h"

#include "inference/tokenizer/utf8.h"

#include <array>

namespace fathom::inference::byte_level {

namespace {

struct Tables {
    std::array<std::string, 256> text;   // byte -> UTF-8 of its character
    std::array<std::int16_t, 324> byte;  // code point (all are < 324) -> byte, -1 = not in alphabet

    Tables()
    {
        byte.fill(-1);
        // Printable Latin-1 bytes stand for themselves; the rest (controls, space, DEL, NBSP, soft
        // hyphen) are moved to U+0100 onwards in byte order, as GPT-2's bytes_to_unicode() does.
        std::uint32_t next = 256;
        for (std::uint32_t b = 0; b < 256; ++b) {
            const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174);
            const std::uint32_t cp = printable ? b : next++;
            utf8::append(text[b], cp);
            byte[cp] = static_cast<std::int16_t>(b);
        }
    }
};

const Tables& tables()
{
    static const Tables t;
    return t;
}

}  // namespace

std::string_view charFor(std::uint8_t b) { return tables().text[b]; }

void encode(std::string_view bytes, std::string& out)
{
    const Tables& t = tables();
    for (char c : bytes)
        out.append(t.text[static_cast<std::uint8_t>(c)]);
}

bool decode(std::string_view token, std::string& out)
{
    const Tables& t = tables();
    const std::size_t start = out.size();
    for (std::size_t i = 0; i < token.size();) {
        const auto b0 = static_cast<std::uint8_t>(token[i]);
        std::uint32_t cp = 0;
        if (b0 < 0x80) {
            cp = b0;
            i += 1;
        } else if ((b0 & 0xE0) == 0xC0 && i + 1 < token.size()) {
            cp = (std::uint32_t(b0 & 0x1F) << 6) | (static_cast<std::uint8_t>(token[i + 1]) & 0x3F);
            i += 2;
        } else {
            cp = 0xFFFF;  // 3- and 4-byte characters are never in the alphabet
        }
        if (cp >= t.byte.size() || t.byte[cp] < 0) {
            out.resize(start);
            return false;
        }
        out.push_back(static_cast<char>(t.byte[cp]));
    }
    return true;
}

}  // namespace fathom::inference::byte_level
