// A 2-D weight as the CPU ops see it: [rows, cols] row-major in f32, f16, bf16 or a GGUF block-quantized
// type (each row a whole number of blocks), never copied.
#pragma once

#include "inference/model/tensor.h"

#include <cstddef>
#include <cstdint>

namespace fathom::inference::cpu {

struct WeightMatrix {
    DType dtype = DType::F32;
    const std::byte* data = nullptr;  // dtype [rows, cols]; quantized: blocks [rows, cols / block]
    std::int64_t rows = 0;
    std::int64_t cols = 0;

    // Throws fathom::Error (Internal) unless the view is 2-D (or 1-D, taken as one row).
    static WeightMatrix of(const TensorView& view);
    // Any view with its leading dims folded into rows: [a, b, c] -> [a·b, c] (3-D per-head weights).
    static WeightMatrix collapsed(const TensorView& view);
    // Rows [first, first + count) of this matrix.
    WeightMatrix rowSlice(std::int64_t first, std::int64_t count) const;
    // Row r widened to fp32 into out[cols].
    void rowToFloat(std::int64_t r, float* out) const;
};

}  // namespace fathom::inference::cpu
