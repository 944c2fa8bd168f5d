// Test helper: writes GGUF files byte by byte — valid ones, and deliberately broken ones through the
// public fields (counts, version, offsets) — so every reader rule can be hit from a test.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fathom::test {

// Little-endian encodings of GGUF's primitive fields.
std::string le32(std::uint32_t v);
std::string le64(std::uint64_t v);
std::string ggufString(const std::string& s);  // u64 length + bytes

struct GgufBuilder {
    std::uint32_t magic = 0x46554747;  // "GGUF"
    std::uint32_t version = 3;
    std::optional<std::uint64_t> tensorCount;  // written instead of the true count when set
    std::optional<std::uint64_t> kvCount;
    std::uint64_t alignment = 32;              // used for the layout; general.alignment is written only via u32()
    std::string kv;                            // encoded key-value pairs
    std::uint64_t nKv = 0;

    struct Tensor {
        std::string name;
        std::vector<std::uint64_t> ne;        // innermost first
        std::uint32_t type = 0;               // ggml type id
        std::string data;
        std::optional<std::uint64_t> offset;  // default: packed in order, each aligned
    };
    std::vector<Tensor> tensors;

    // Value type ids: uint32 = 4, int32 = 5, float32 = 6, bool = 7, string = 8, array = 9.
    GgufBuilder& raw(const std::string& key, std::uint32_t type, const std::string& payload);
    GgufBuilder& u32(const std::string& key, std::uint32_t v) { return raw(key, 4, le32(v)); }
    GgufBuilder& i32(const std::string& key, std::int32_t v) { return raw(key, 5, le32(static_cast<std::uint32_t>(v))); }
    GgufBuilder& f32(const std::string& key, float v);
    GgufBuilder& boolean(const std::string& key, bool v) { return raw(key, 7, std::string(1, v ? '\1' : '\0')); }
    GgufBuilder& str(const std::string& key, const std::string& v) { return raw(key, 8, ggufString(v)); }
    GgufBuilder& strings(const std::string& key, const std::vector<std::string>& v);
    GgufBuilder& ints(const std::string& key, const std::vector<std::int32_t>& v);
    GgufBuilder& tensor(const std::string& name, std::vector<std::uint64_t> ne, std::uint32_t type, std::string data);
    // An F32 tensor from values.
    GgufBuilder& f32Tensor(const std::string& name, std::vector<std::uint64_t> ne, const std::vector<float>& values);

    std::string bytes() const;
    void write(const std::string& path) const;
};

}  // namespace fathom::test
