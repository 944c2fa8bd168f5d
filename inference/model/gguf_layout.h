// The parsed, validated structure of a GGUF file (header, metadata, tensor infos) over a buffer
// holding the whole file. parseGguf checks every rule of RELIABILITY.md "GGUF files" before it
// returns, so what it hands out can be used without further bounds checks.
#pragma once

#include "inference/model/gguf_value.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace fathom::inference {

struct GgufTensorInfo {
    std::string name;               // e.g. "blk.3.ffn_down_exps.weight"
    std::vector<std::int64_t> ne;   // ggml order: ne[0] is the innermost (contiguous) dimension
    std::uint32_t type = 0;         // ggml type id (gguf_types.h)
    std::uint64_t offset = 0;       // from the start of the data section, aligned
    std::size_t nbytes = 0;
    const std::byte* data = nullptr;  // inside the buffer

    std::int64_t numel() const;
};

struct GgufLayout {
    std::uint32_t version = 0;
    std::uint64_t alignment = 32;  // general.alignment, or GGUF's default
    std::size_t dataOffset = 0;    // start of the data section in the file
    std::vector<GgufKeyValue> metadata;                // in file order
    std::map<std::string, std::size_t, std::less<>> metadataIndex;  // key -> index in metadata
    std::vector<GgufTensorInfo> tensors;               // in file order

    const GgufValue* find(std::string_view key) const;
};

// Limits on what a file may make the parser allocate (a real DeepSeek-V3 GGUF has ~1.1k tensors and
// ~390k metadata values, mostly tokens, token types and merges). A parsed value takes ~80 bytes, so
// the value cap bounds a hostile file's metadata to ~170 MB of memory whatever counts it claims.
inline constexpr std::uint64_t kGgufMaxTensors = 1u << 20;
inline constexpr std::uint64_t kGgufMaxValues = 1u << 21;  // all metadata values, array items included
inline constexpr int kGgufMaxNesting = 8;                  // array of array of ...

// Validates and parses `size` bytes at `data`; `path` names the file in every error
// ("model.gguf: tensor blk.3.ffn_down_exps.weight: offset 123 is not aligned to 32").
GgufLayout parseGguf(const std::byte* data, std::size_t size, const std::string& path);

}  // namespace fathom::inference
