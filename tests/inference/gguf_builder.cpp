// GgufBuilder: the GGUF v3 layout (header, key-values, tensor infos, aligned data section).
#include "gguf_builder.h"

#include <cstring>
#include <fstream>
#include <stdexcept>

namespace fathom::test {

std::string le32(std::uint32_t v)
{
    std::string s(4, '\0');
    std::memcpy(s.data(), &v, 4);
    return s;
}

std::string le64(std::uint64_t v)
{
    std::string s(8, '\0');
    std::memcpy(s.data(), &v, 8);
    return s;
}

std::string ggufString(const std::string& s) { return le64(s.size()) + s; }

GgufBuilder& GgufBuilder::raw(const std::string& key, std::uint32_t type, const std::string& payload)
{
    kv += ggufString(key) + le32(type) + payload;
    ++nKv;
    return *this;
}

GgufBuilder& GgufBuilder::f32(const std::string& key, float v)
{
    std::uint32_t bits;
    std::memcpy(&bits, &v, 4);
    return raw(key, 6, le32(bits));
}

GgufBuilder& GgufBuilder::strings(const std::string& key, const std::vector<std::string>& v)
{
    std::string p = le32(8) + le64(v.size());
    for (const std::string& s : v)
        p += ggufString(s);
    return raw(key, 9, p);
}

GgufBuilder& GgufBuilder::ints(const std::string& key, const std::vector<std::int32_t>& v)
{
    std::string p = le32(5) + le64(v.size());
    for (std::int32_t x : v)
        p += le32(static_cast<std::uint32_t>(x));
    return raw(key, 9, p);
}

GgufBuilder& GgufBuilder::tensor(const std::string& name, std::vector<std::uint64_t> ne, std::uint32_t type, std::string data)
{
    tensors.push_back({name, std::move(ne), type, std::move(data), std::nullopt});
    return *this;
}

GgufBuilder& GgufBuilder::f32Tensor(const std::string& name, std::vector<std::uint64_t> ne, const std::vector<float>& values)
{
    std::string data(values.size() * 4, '\0');
    std::memcpy(data.data(), values.data(), data.size());
    return tensor(name, std::move(ne), 0, std::move(data));
}

std::string GgufBuilder::bytes() const
{
    auto pad = [&](std::uint64_t n) { return (alignment - n % alignment) % alignment; };
    std::string out = le32(magic) + le32(version) + le64(tensorCount.value_or(tensors.size())) + le64(kvCount.value_or(nKv)) + kv;
    std::vector<std::uint64_t> offsets;
    std::uint64_t next = 0;
    for (const Tensor& t : tensors) {
        offsets.push_back(t.offset.value_or(next));
        next = offsets.back() + t.data.size();
        next += pad(next);
        out += ggufString(t.name) + le32(static_cast<std::uint32_t>(t.ne.size()));
        for (std::uint64_t d : t.ne)
            out += le64(d);
        out += le32(t.type) + le64(offsets.back());
    }
    out.append(pad(out.size()), '\0');
    const std::size_t data = out.size();
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        const std::size_t at = data + offsets[i];
        if (at + tensors[i].data.size() > (16u << 20))
            continue;  // placed far past the end on purpose: the bytes are left out
        if (out.size() < at + tensors[i].data.size())
            out.resize(at + tensors[i].data.size(), '\0');
        out.replace(at, tensors[i].data.size(), tensors[i].data);
    }
    return out;
}

void GgufBuilder::write(const std::string& path) const
{
    const std::string b = bytes();
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(b.data(), static_cast<std::streamsize>(b.size()));
    if (!f)
        throw std::runtime_error("cannot write " + path);
}

}  // namespace fathom::test
