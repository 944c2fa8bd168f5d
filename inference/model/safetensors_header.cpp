// Event-driven (SAX) safetensors header parsing and layout validation; see safetensors_header.h.
#include "inference/model/safetensors_header.h"

#include "base/error.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

namespace fathom::inference {

namespace {

using json = nlohmann::json;
constexpr std::size_t kMaxDims = 8;
// Far above any real file (a V3 shard holds ~600, a whole unsharded V3 ~92k) while keeping a hostile
// 100 MB header of tiny entries to ~150 MB of parsed state (measured: ~500 bytes per tensor).
constexpr std::size_t kMaxTensors = 300'000;

// One header entry as written, before its values are checked.
struct RawEntry {
    std::string name;
    std::string dtype;
    std::vector<std::uint64_t> shape;
    std::vector<std::uint64_t> offsets;
    bool hasDtype = false, hasShape = false, hasOffsets = false;
};

// Accepts exactly {"__metadata__": {str: str}, "name": {"dtype": str, "shape": [uint...],
// "data_offsets": [uint, uint]}, ...}; anything else stops the parse at once with a precise message.
class HeaderSax {
public:
    explicit HeaderSax(const std::string& file) : m_file(file) {}

    std::vector<RawEntry> entries;
    std::map<std::string, std::string> metadata;

    bool null() { return scalar("null"); }
    bool boolean(bool) { return scalar("a boolean"); }
    bool number_float(double, const std::string&) { return scalar("a fraction"); }
    bool binary(json::binary_t&) { return scalar("binary data"); }
    bool number_integer(std::int64_t v)
    {
        if (m_where == Where::Shape)
            fail("tensor " + m_cur.name + " has a negative dimension " + std::to_string(v) + " in its shape");
        if (m_where == Where::Offsets)
            fail("tensor " + m_cur.name + " has a negative data offset " + std::to_string(v));
        return scalar("an integer");
    }
    bool number_unsigned(std::uint64_t v)
    {
        if (m_where == Where::Shape) {
            if (m_cur.shape.size() == kMaxDims)
                fail("tensor " + m_cur.name + " has more than " + std::to_string(kMaxDims) + " dimensions");
            m_cur.shape.push_back(v);
            return true;
        }
        if (m_where == Where::Offsets) {
            if (m_cur.offsets.size() == 2)
                fail("tensor " + m_cur.name + ": data_offsets must be [begin, end], but it has more than 2 entries");
            m_cur.offsets.push_back(v);
            return true;
        }
        return scalar("an integer");
    }
    bool string(std::string& v)
    {
        if (m_where == Where::Metadata) {
            metadata[m_metaKey] = v;
            return true;
        }
        if (m_where == Where::Tensor && m_field == "dtype") {
            m_cur.dtype = v;
            return true;
        }
        return scalar("a string");
    }
    bool key(std::string& k)
    {
        if (m_where == Where::Top) {
            m_key = k;
        } else if (m_where == Where::Metadata) {
            m_metaKey = k;
        } else {  // Where::Tensor
            bool* seen = k == "dtype" ? &m_cur.hasDtype : k == "shape" ? &m_cur.hasShape
                       : k == "data_offsets" ? &m_cur.hasOffsets : nullptr;
            if (!seen)
                fail("tensor " + m_cur.name + " has an unknown field \"" + k + "\"");
            if (*seen)
                fail("tensor " + m_cur.name + " has field \"" + k + "\" twice");
            *seen = true;
            m_field = k;
        }
        return true;
    }
    bool start_object(std::size_t)
    {
        if (m_where == Where::Before) {
            m_where = Where::Top;
        } else if (m_where == Where::Top && m_key == "__metadata__") {
            if (m_sawMetadata)
                fail("header has \"__metadata__\" twice");
            m_sawMetadata = true;
            m_where = Where::Metadata;
        } else if (m_where == Where::Top) {
            if (entries.size() == kMaxTensors)
                fail("header lists more than " + std::to_string(kMaxTensors) + " tensors");
            if (!m_names.insert(m_key).second)
                fail("tensor " + m_key + " is listed twice in the header");
            m_cur = RawEntry{};
            m_cur.name = m_key;
            m_where = Where::Tensor;
        } else {
            scalar("an object");
        }
        return true;
    }
    bool end_object()
    {
        if (m_where == Where::Metadata) {
            m_where = Where::Top;
        } else if (m_where == Where::Tensor) {
            for (auto [has, what] : {std::pair{m_cur.hasDtype, "dtype"}, std::pair{m_cur.hasShape, "shape"},
                                     std::pair{m_cur.hasOffsets, "data_offsets"}})
                if (!has)
                    fail("tensor " + m_cur.name + " has no \"" + what + "\"");
            if (m_cur.offsets.size() != 2)
                fail("tensor " + m_cur.name + ": data_offsets must be [begin, end], but it has " +
                     std::to_string(m_cur.offsets.size()) + " entries");
            entries.push_back(std::move(m_cur));
            m_where = Where::Top;
        } else {  // Where::Top
            m_where = Where::Done;
        }
        return true;
    }
    bool start_array(std::size_t)
    {
        if (m_where == Where::Tensor && m_field == "shape")
            m_where = Where::Shape;
        else if (m_where == Where::Tensor && m_field == "data_offsets")
            m_where = Where::Offsets;
        else
            scalar("an array");
        return true;
    }
    bool end_array()
    {
        m_where = Where::Tensor;
        return true;
    }
    bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e)
    {
        std::string what = e.what();
        const auto p = what.find("] ");
        if (p != std::string::npos)
            what = what.substr(p + 2);
        fail("header is not valid UTF-8 JSON (at header byte " + std::to_string(position) + "): " + what);
    }

private:
    enum class Where { Before, Top, Metadata, Tensor, Shape, Offsets, Done };

    [[noreturn]] void fail(const std::string& problem) const { throwFileError(m_file, problem); }

    // A value of the wrong kind for where it appears.
    bool scalar(const std::string& kind) const
    {
        switch (m_where) {
        case Where::Before: fail("header must be a JSON object, not " + kind);
        case Where::Top:
            if (m_key == "__metadata__")
                fail("header \"__metadata__\" must be an object of strings, not " + kind);
            fail("header entry for tensor " + m_key + " must be an object, not " + kind);
        case Where::Metadata: fail("header \"__metadata__\" value for \"" + m_metaKey + "\" must be a string, not " + kind);
        case Where::Tensor:
            fail("tensor " + m_cur.name + ": \"" + m_field + "\" must be " +
                 (m_field == "dtype" ? "a string" : "an array of integers") + ", not " + kind);
        case Where::Shape: fail("tensor " + m_cur.name + ": shape entries must be integers, not " + kind);
        case Where::Offsets: fail("tensor " + m_cur.name + ": data_offsets entries must be integers, not " + kind);
        case Where::Done: break;
        }
        fail("header has trailing content");
    }

    const std::string& m_file;
    Where m_where = Where::Before;
    std::string m_key, m_metaKey, m_field;
    RawEntry m_cur;
    std::set<std::string> m_names;
    bool m_sawMetadata = false;
};

bool parseDtype(const std::string& s, DType& out)
{
    if (s == "F32")
        out = DType::F32;
    else if (s == "F16")
        out = DType::F16;
    else if (s == "BF16")
        out = DType::BF16;
    else
        return false;
    return true;
}

bool isKnownUnsupportedDtype(const std::string& s)
{
    static const std::set<std::string> known = {"BOOL", "U8", "I8", "I16", "U16", "I32", "U32", "I64", "U64",
                                                "F64", "F8_E4M3", "F8_E5M2", "F8_E8M0", "E8M0", "F4",
                                                "F6_E2M3", "F6_E3M2", "C64"};
    return known.count(s) != 0;
}

std::string shapeText(const std::vector<std::uint64_t>& shape)
{
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i)
        s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

}  // namespace

SafetensorsLayout parseSafetensors(const std::byte* bytes, std::size_t size, const std::string& file)
{
    if (size < 8)
        throwFileError(file, "file is " + std::to_string(size) +
                                  " bytes, too short to be safetensors (it starts with an 8-byte header length)");
    std::uint64_t headerLen = 0;
    for (int i = 7; i >= 0; --i)
        headerLen = (headerLen << 8) | static_cast<std::uint8_t>(bytes[i]);
    if (headerLen == 0)
        throwFileError(file, "header length is 0; a safetensors header is at least \"{}\"");
    if (headerLen > kSafetensorsMaxHeaderBytes)
        throwFileError(file, "header length " + std::to_string(headerLen) + " is over the limit of " +
                                 std::to_string(kSafetensorsMaxHeaderBytes) + " bytes");
    if (headerLen > size - 8)
        throwFileError(file, "header length " + std::to_string(headerLen) + " runs past the end of the file (" +
                                 std::to_string(size) + " bytes)");

    HeaderSax sax(file);
    const char* text = reinterpret_cast<const char*>(bytes + 8);
    json::sax_parse(text, text + headerLen, &sax, json::input_format_t::json, /*strict=*/true);

    SafetensorsLayout layout;
    layout.metadata = std::move(sax.metadata);
    layout.dataOffset = 8 + headerLen;
    const std::uint64_t dataSize = size - layout.dataOffset;
    layout.tensors.reserve(sax.entries.size());
    for (const RawEntry& e : sax.entries) {
        TensorView t;
        t.name = e.name;
        t.file = file;
        if (!parseDtype(e.dtype, t.dtype)) {
            if (isKnownUnsupportedDtype(e.dtype))
                throwFileError(file, "tensor " + e.name + ": dtype " + e.dtype +
                                         " is not supported (Fathom loads F32, F16 and BF16)");
            throwFileError(file, "tensor " + e.name + " has unknown dtype \"" + e.dtype + "\"");
        }
        // Element count in 64 bits, refusing anything whose byte size could not fit in any file.
        std::uint64_t numel = 1;
        for (std::uint64_t d : e.shape) {
            if (d > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
                __builtin_mul_overflow(numel, d, &numel))
                throwFileError(file, "tensor " + e.name + " has shape " + shapeText(e.shape) +
                                         " whose element count overflows 64 bits");
            t.shape.push_back(static_cast<std::int64_t>(d));
        }
        std::uint64_t nbytes = 0;
        if (__builtin_mul_overflow(numel, dtypeSize(t.dtype), &nbytes) ||
            nbytes > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            throwFileError(file, "tensor " + e.name + " has shape " + shapeText(e.shape) +
                                     " whose byte size overflows 64 bits");
        const std::uint64_t begin = e.offsets[0], end = e.offsets[1];
        if (begin > end)
            throwFileError(file, "tensor " + e.name + " has reversed data_offsets [" + std::to_string(begin) + ", " +
                                     std::to_string(end) + "]");
        if (end > dataSize)
            throwFileError(file, "tensor " + e.name + " ends at data byte " + std::to_string(end) +
                                     " but the data section has only " + std::to_string(dataSize) + " bytes");
        if (end - begin != nbytes)
            throwFileError(file, "tensor " + e.name + " is " + e.dtype + " " + shapeText(e.shape) + " = " +
                                     std::to_string(nbytes) + " bytes but its data_offsets span " +
                                     std::to_string(end - begin));
        // Data not aligned to its dtype (older writers did not pad the header) is valid: the view
        // points at it as it is, and SafetensorsFile copies such tensors to aligned memory.
        t.data = bytes + layout.dataOffset + begin;
        t.nbytes = static_cast<std::size_t>(nbytes);
        layout.tensors.push_back(std::move(t));
    }

    // The data section must be covered exactly: sorted by start, each tensor begins where the last ended.
    std::vector<std::size_t> order(sax.entries.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const auto& x = sax.entries[a].offsets;
        const auto& y = sax.entries[b].offsets;
        return x[0] != y[0] ? x[0] < y[0] : x[1] < y[1];
    });
    std::uint64_t cursor = 0;
    const RawEntry* prev = nullptr;
    for (std::size_t i : order) {
        const RawEntry& e = sax.entries[i];
        if (e.offsets[0] < cursor)
            throwFileError(file, "tensors " + prev->name + " and " + e.name + " overlap (bytes " +
                                     std::to_string(e.offsets[0]) + " to " + std::to_string(cursor) + ")");
        if (e.offsets[0] > cursor) {
            if (!prev)
                throwFileError(file, "the data section does not start at byte 0: the first tensor, " + e.name +
                                         ", starts at " + std::to_string(e.offsets[0]));
            throwFileError(file, "gap of " + std::to_string(e.offsets[0] - cursor) + " bytes between tensors " +
                                     prev->name + " and " + e.name);
        }
        cursor = e.offsets[1];
        prev = &e;
    }
    if (cursor != dataSize)
        throwFileError(file, prev ? std::to_string(dataSize - cursor) + " bytes after the last tensor, " + prev->name +
                                        ", belong to no tensor"
                                  : "header lists no tensors but the data section has " + std::to_string(dataSize) +
                                        " bytes");
    return layout;
}

}  // namespace fathom::inference
