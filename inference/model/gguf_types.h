// GGUF's tensor type ids (ggml's ggml_type numbering, stored in files: never renumber) with their
// block layout, so every tensor's byte size can be checked even for types Fathom cannot run.
#pragma once

#include "inference/model/tensor.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace fathom::inference {

struct GgmlTypeInfo {
    const char* name;              // ggml's spelling, e.g. "Q4_K"
    std::int64_t blockElements;    // elements per block
    std::size_t blockBytes;        // bytes per block
    std::optional<DType> dtype;    // what Fathom reads it as; empty when it cannot run the type
};

// nullptr for an id ggml does not define (or has removed).
const GgmlTypeInfo* ggmlTypeInfo(std::uint32_t id);
// "F32, F16, BF16, Q8_0, ..." for messages about unsupported types.
std::string supportedGgmlTypes();

}  // namespace fathom::inference
