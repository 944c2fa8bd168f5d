// parseGguf: GGUF v2/v3 (little-endian) read field by field through a bounds-checked cursor. Every
// count is checked against the bytes left before anything is allocated: llama.cpp's GGUF advisories
// (n_tensors / n_kv of 2^64-1, string lengths past the end, arrays of arrays that multiply
// allocations) are exactly the cases the cursor and the value budget refuse.
#include "inference/model/gguf_layout.h"

#include "inference/model/gguf_types.h"
#include "base/error.h"

#include <algorithm>
#include <cstring>
#include <set>

namespace fathom::inference {

namespace {

constexpr std::uint32_t kMagic = 0x46554747;  // "GGUF" read as a little-endian u32
constexpr std::size_t kHeaderBytes = 4 + 4 + 8 + 8;
constexpr std::size_t kMaxNameBytes = 1024;   // tensor names; ggml itself allows 63

// The smallest number of bytes one value of each type can occupy, to bound counts by the file.
std::size_t minBytes(GgufType t)
{
    switch (t) {
    case GgufType::Uint8:
    case GgufType::Int8:
    case GgufType::Bool: return 1;
    case GgufType::Uint16:
    case GgufType::Int16: return 2;
    case GgufType::Uint32:
    case GgufType::Int32:
    case GgufType::Float32: return 4;
    case GgufType::Uint64:
    case GgufType::Int64:
    case GgufType::Float64:
    case GgufType::String: return 8;  // the length prefix
    case GgufType::Array: return 12;  // element type + count
    }
    return 1;
}

bool knownType(std::uint32_t t) { return t <= static_cast<std::uint32_t>(GgufType::Float64); }

class Cursor {
public:
    Cursor(const std::byte* data, std::size_t size, const std::string& path) : m_data(data), m_size(size), m_path(path) {}

    [[noreturn]] void fail(const std::string& problem) const { throwFileError(m_path, problem); }
    std::size_t pos() const { return m_pos; }
    std::size_t left() const { return m_size - m_pos; }

    void need(std::size_t n, const std::string& what) const
    {
        if (n > left())
            fail(what + " needs " + std::to_string(n) + " bytes at offset " + std::to_string(m_pos) + " but the file has " +
                 std::to_string(left()) + " left (truncated or corrupt)");
    }
    template <typename T>
    T read(const std::string& what)
    {
        need(sizeof(T), what);
        T v;
        std::memcpy(&v, m_data + m_pos, sizeof(T));
        m_pos += sizeof(T);
        return v;
    }
    std::string_view string(const std::string& what)
    {
        const auto len = read<std::uint64_t>(what + " length");
        if (len > left())
            fail(what + " has length " + std::to_string(len) + " at offset " + std::to_string(m_pos - 8) +
                 ", past the end of the file (" + std::to_string(left()) + " bytes left)");
        const std::string_view s(reinterpret_cast<const char*>(m_data + m_pos), static_cast<std::size_t>(len));
        m_pos += static_cast<std::size_t>(len);
        return s;
    }

private:
    const std::byte* m_data;
    std::size_t m_size;
    std::size_t m_pos = 0;
    const std::string& m_path;
};

class Parser {
public:
    Parser(const std::byte* data, std::size_t size, const std::string& path) : m_c(data, size, path), m_data(data), m_size(size) {}

    GgufLayout run()
    {
        GgufLayout g;
        header(g);
        for (std::uint64_t i = 0; i < m_nKv; ++i)
            keyValue(g, i);
        alignment(g);
        tensorInfos(g);
        dataSection(g);
        return g;
    }

private:
    void header(GgufLayout& g)
    {
        if (m_size < kHeaderBytes)
            m_c.fail("is " + std::to_string(m_size) + " bytes, too short for a GGUF header (" + std::to_string(kHeaderBytes) + ")");
        if (m_c.read<std::uint32_t>("magic") != kMagic)
            m_c.fail("is not a GGUF file (it does not start with \"GGUF\")");
        g.version = m_c.read<std::uint32_t>("version");
        if (g.version == 1)
            m_c.fail("is GGUF version 1, which has 32-bit counts and is no longer written by anyone; convert the model again");
        if (g.version != 2 && g.version != 3)
            m_c.fail("has GGUF version " + std::to_string(g.version) + " (Fathom reads versions 2 and 3; big-endian files "
                     "show a byte-swapped version)");
        m_nTensors = m_c.read<std::uint64_t>("tensor count");
        m_nKv = m_c.read<std::uint64_t>("metadata count");
        // Each tensor info takes at least 24 bytes, each key-value at least 13: counts the file
        // cannot hold are refused before anything is reserved.
        if (m_nTensors > m_c.left() / 24 || m_nTensors > kGgufMaxTensors)
            m_c.fail("claims " + std::to_string(m_nTensors) + " tensors, more than a file of " + std::to_string(m_size) +
                     " bytes can describe");
        if (m_nKv > m_c.left() / 13 || m_nKv > kGgufMaxValues)
            m_c.fail("claims " + std::to_string(m_nKv) + " metadata entries, more than a file of " + std::to_string(m_size) +
                     " bytes can hold");
    }

    void keyValue(GgufLayout& g, std::uint64_t index)
    {
        const std::string at = "metadata entry " + std::to_string(index);
        const std::string_view key = m_c.string(at + " key");
        if (key.empty())
            m_c.fail(at + " has an empty key");
        const std::string k(key);
        if (g.metadataIndex.count(k))
            m_c.fail("metadata key " + k + " appears twice");
        const auto type = m_c.read<std::uint32_t>("metadata key " + k + " type");
        if (!knownType(type))
            m_c.fail("metadata key " + k + " has unknown value type " + std::to_string(type));
        GgufKeyValue kv;
        kv.key = k;
        kv.value = value(static_cast<GgufType>(type), "metadata key " + k, 0);
        g.metadataIndex.emplace(k, g.metadata.size());
        g.metadata.push_back(std::move(kv));
    }

    GgufValue value(GgufType type, const std::string& what, int depth)
    {
        if (++m_values > kGgufMaxValues)
            m_c.fail("has more than " + std::to_string(kGgufMaxValues) + " metadata values (at " + what + ")");
        GgufValue v;
        v.type = type;
        switch (type) {
        case GgufType::Uint8: v.uintValue = m_c.read<std::uint8_t>(what); break;
        case GgufType::Int8: v.intValue = m_c.read<std::int8_t>(what); break;
        case GgufType::Uint16: v.uintValue = m_c.read<std::uint16_t>(what); break;
        case GgufType::Int16: v.intValue = m_c.read<std::int16_t>(what); break;
        case GgufType::Uint32: v.uintValue = m_c.read<std::uint32_t>(what); break;
        case GgufType::Int32: v.intValue = m_c.read<std::int32_t>(what); break;
        case GgufType::Uint64: v.uintValue = m_c.read<std::uint64_t>(what); break;
        case GgufType::Int64: v.intValue = m_c.read<std::int64_t>(what); break;
        case GgufType::Float32: v.floatValue = m_c.read<float>(what); break;
        case GgufType::Float64: v.floatValue = m_c.read<double>(what); break;
        case GgufType::Bool: {
            const auto b = m_c.read<std::uint8_t>(what);
            if (b > 1)
                m_c.fail(what + " is a bool holding " + std::to_string(b) + " (must be 0 or 1)");
            v.uintValue = b;
            break;
        }
        case GgufType::String: v.text = m_c.string(what); break;
        case GgufType::Array: {
            if (depth >= kGgufMaxNesting)
                m_c.fail(what + " nests arrays more than " + std::to_string(kGgufMaxNesting) + " deep");
            const auto elem = m_c.read<std::uint32_t>(what + " element type");
            if (!knownType(elem))
                m_c.fail(what + " is an array of unknown value type " + std::to_string(elem));
            v.elementType = static_cast<GgufType>(elem);
            const auto n = m_c.read<std::uint64_t>(what + " element count");
            if (n > m_c.left() / minBytes(v.elementType))
                m_c.fail(what + " claims " + std::to_string(n) + " elements of " + ggufTypeName(v.elementType) +
                         ", more than the " + std::to_string(m_c.left()) + " bytes left can hold");
            if (n > kGgufMaxValues - m_values)
                m_c.fail(what + " claims " + std::to_string(n) + " elements, more than the " +
                         std::to_string(kGgufMaxValues) + " metadata values Fathom reads from one file");
            v.items.reserve(static_cast<std::size_t>(n));
            for (std::uint64_t i = 0; i < n; ++i)
                v.items.push_back(value(v.elementType, what + "[" + std::to_string(i) + "]", depth + 1));
            break;
        }
        }
        return v;
    }

    void alignment(GgufLayout& g)
    {
        const GgufValue* a = g.find("general.alignment");
        if (!a)
            return;
        if (a->type != GgufType::Uint32)
            m_c.fail("general.alignment must be a uint32, not " + a->describe());
        if (a->uintValue == 0 || (a->uintValue & (a->uintValue - 1)) != 0)
            m_c.fail("general.alignment is " + std::to_string(a->uintValue) + ", not a power of two");
        g.alignment = a->uintValue;
    }

    void tensorInfos(GgufLayout& g)
    {
        std::set<std::string_view> names;
        g.tensors.reserve(static_cast<std::size_t>(m_nTensors));
        for (std::uint64_t i = 0; i < m_nTensors; ++i) {
            const std::string at = "tensor info " + std::to_string(i);
            const std::string_view name = m_c.string(at + " name");
            if (name.empty())
                m_c.fail(at + " has an empty name");
            if (name.size() > kMaxNameBytes)
                m_c.fail(at + " has a name of " + std::to_string(name.size()) + " bytes (at most " +
                         std::to_string(kMaxNameBytes) + ")");
            GgufTensorInfo t;
            t.name = std::string(name);
            const std::string tw = "tensor " + t.name;
            if (!names.insert(name).second)
                m_c.fail(tw + " appears twice");
            const auto nDims = m_c.read<std::uint32_t>(tw + " dimension count");
            if (nDims == 0 || nDims > 4)
                m_c.fail(tw + ": has " + std::to_string(nDims) + " dimensions (GGUF tensors have 1 to 4)");
            std::int64_t numel = 1;
            for (std::uint32_t d = 0; d < nDims; ++d) {
                const auto n = m_c.read<std::uint64_t>(tw + " dimension");
                if (n == 0)
                    m_c.fail(tw + ": dimension " + std::to_string(d) + " is 0");
                if (n > static_cast<std::uint64_t>(INT64_MAX) ||
                    __builtin_mul_overflow(numel, static_cast<std::int64_t>(n), &numel))
                    m_c.fail(tw + ": element count overflows 64 bits");
                t.ne.push_back(static_cast<std::int64_t>(n));
            }
            t.type = m_c.read<std::uint32_t>(tw + " type");
            const GgmlTypeInfo* info = ggmlTypeInfo(t.type);
            if (!info)
                m_c.fail(tw + ": unknown tensor type " + std::to_string(t.type));
            if (t.ne[0] % info->blockElements != 0)
                m_c.fail(tw + ": its rows of " + std::to_string(t.ne[0]) + " elements are not a multiple of " +
                         info->name + "'s block of " + std::to_string(info->blockElements));
            std::uint64_t bytes = 0;
            if (__builtin_mul_overflow(static_cast<std::uint64_t>(numel / info->blockElements),
                                       static_cast<std::uint64_t>(info->blockBytes), &bytes) ||
                bytes > m_size)
                m_c.fail(tw + ": " + std::to_string(numel) + " elements of " + info->name +
                         " take more bytes than the file has");
            t.nbytes = static_cast<std::size_t>(bytes);
            t.offset = m_c.read<std::uint64_t>(tw + " offset");
            if (t.offset % g.alignment != 0)
                m_c.fail(tw + ": offset " + std::to_string(t.offset) + " is not aligned to " + std::to_string(g.alignment));
            g.tensors.push_back(std::move(t));
        }
    }

    void dataSection(GgufLayout& g)
    {
        // The data section starts at the next multiple of the alignment after the tensor infos.
        const std::size_t end = m_c.pos();
        const std::size_t pad = static_cast<std::size_t>((g.alignment - end % g.alignment) % g.alignment);
        if (g.tensors.empty()) {
            g.dataOffset = std::min(m_size, end + pad);
            return;
        }
        if (pad > m_size - end)
            m_c.fail("ends inside the padding before its data section (" + std::to_string(m_size) + " bytes)");
        g.dataOffset = end + pad;
        const std::uint64_t dataBytes = m_size - g.dataOffset;
        std::vector<const GgufTensorInfo*> byOffset;
        for (GgufTensorInfo& t : g.tensors) {
            if (t.offset > dataBytes || t.nbytes > dataBytes - t.offset)
                m_c.fail("tensor " + t.name + ": bytes " + std::to_string(t.offset) + " to " +
                         std::to_string(t.offset + t.nbytes) + " of the data section run past its end (" +
                         std::to_string(dataBytes) + " bytes)");
            t.data = m_data + g.dataOffset + t.offset;
            byOffset.push_back(&t);
        }
        std::sort(byOffset.begin(), byOffset.end(), [](auto* a, auto* b) { return a->offset < b->offset; });
        for (std::size_t i = 1; i < byOffset.size(); ++i)
            if (byOffset[i - 1]->offset + byOffset[i - 1]->nbytes > byOffset[i]->offset)
                m_c.fail("tensor " + byOffset[i]->name + " (offset " + std::to_string(byOffset[i]->offset) +
                         ") overlaps tensor " + byOffset[i - 1]->name + " (bytes " + std::to_string(byOffset[i - 1]->offset) +
                         " to " + std::to_string(byOffset[i - 1]->offset + byOffset[i - 1]->nbytes) + ")");
    }

    Cursor m_c;
    const std::byte* m_data;
    std::size_t m_size;
    std::uint64_t m_nTensors = 0, m_nKv = 0, m_values = 0;
};

}  // namespace

std::int64_t GgufTensorInfo::numel() const
{
    std::int64_t n = 1;
    for (std::int64_t d : ne)
        n *= d;  // checked against overflow when parsed
    return n;
}

const GgufValue* GgufLayout::find(std::string_view key) const
{
    const auto it = metadataIndex.find(key);
    return it == metadataIndex.end() ? nullptr : &metadata[it->second].value;
}

GgufLayout parseGguf(const std::byte* data, std::size_t size, const std::string& path)
{
    return Parser(data, size, path).run();
}

}  // namespace fathom::inference
