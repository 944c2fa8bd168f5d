// UTF-8 validation and repair, written to the Unicode "maximal subpart" rules so that a stream
// repaired piece by piece reads the same as the whole text repaired at once.
#include "inference/tokenizer/utf8.h"

namespace fathom::inference::utf8 {

namespace {

// Allowed range of the second byte for a lead byte (Unicode table 3-7); {0,0} = invalid lead.
struct SecondRange {
    unsigned char lo, hi;
    int length;
};

SecondRange rangeFor(unsigned char lead)
{
    if (lead < 0x80) return {0, 0, 1};
    if (lead < 0xC2) return {0, 0, 0};
    if (lead < 0xE0) return {0x80, 0xBF, 2};
    if (lead == 0xE0) return {0xA0, 0xBF, 3};
    if (lead == 0xED) return {0x80, 0x9F, 3};  // no surrogates
    if (lead < 0xF0) return {0x80, 0xBF, 3};
    if (lead == 0xF0) return {0x90, 0xBF, 4};
    if (lead < 0xF4) return {0x80, 0xBF, 4};
    if (lead == 0xF4) return {0x80, 0x8F, 4};  // nothing past U+10FFFF
    return {0, 0, 0};
}

// How many bytes from pos form a valid prefix of a sequence (the "maximal subpart"), and whether
// that prefix is the whole sequence.
std::size_t validPrefix(std::string_view s, std::size_t pos, bool& complete)
{
    const auto lead = static_cast<unsigned char>(s[pos]);
    SecondRange r = rangeFor(lead);
    complete = false;
    if (r.length == 0)
        return 0;
    if (r.length == 1) {
        complete = true;
        return 1;
    }
    std::size_t n = 1;
    for (int k = 1; k < r.length; ++k) {
        if (pos + n >= s.size())
            return n;
        const auto b = static_cast<unsigned char>(s[pos + n]);
        const unsigned char lo = k == 1 ? r.lo : 0x80, hi = k == 1 ? r.hi : 0xBF;
        if (b < lo || b > hi)
            return n;
        ++n;
    }
    complete = true;
    return n;
}

}  // namespace

std::size_t validSequenceLength(std::string_view s, std::size_t pos)
{
    bool complete = false;
    std::size_t n = validPrefix(s, pos, complete);
    return complete ? n : 0;
}

std::size_t firstInvalid(std::string_view s)
{
    std::size_t i = 0;
    while (i < s.size()) {
        if (static_cast<unsigned char>(s[i]) < 0x80) {
            ++i;
            continue;
        }
        std::size_t n = validSequenceLength(s, i);
        if (n == 0)
            return i;
        i += n;
    }
    return std::string_view::npos;
}

std::size_t incompleteTailLength(std::string_view s)
{
    // An unfinished character is at most 3 bytes long: look for its lead among the last 3 bytes.
    for (std::size_t back = 1; back <= 3 && back <= s.size(); ++back) {
        std::size_t pos = s.size() - back;
        const auto b = static_cast<unsigned char>(s[pos]);
        if ((b & 0xC0) == 0x80)
            continue;  // a continuation byte: the lead is further back
        bool complete = false;
        std::size_t n = validPrefix(s, pos, complete);
        return (!complete && n == back) ? back : 0;
    }
    return 0;
}

std::string toValidLossy(std::string_view s)
{
    std::string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        bool complete = false;
        std::size_t n = validPrefix(s, i, complete);
        if (complete) {
            out.append(s.substr(i, n));
            i += n;
        } else {
            out.append("\xEF\xBF\xBD");  // U+FFFD for the maximal invalid subpart (at least 1 byte)
            i += n == 0 ? 1 : n;
        }
    }
    return out;
}

void append(std::string& out, std::uint32_t cp)
{
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

}  // namespace fathom::inference::utf8
