// matvecTransposed: y += x[r] · W[r, :] for each row r, 8 columns at a time.
#include "inference/cpu/matvec_transposed.h"

#include "inference/cpu/simd.h"
#include "inference/model/quant.h"

#include <cstring>
#include <vector>

namespace fathom::inference::cpu {

namespace {

template <typename T>
FATHOM_INLINE void axpyRows(const float* x, const T* w, std::int64_t rows, std::int64_t cols, float* y)
{
    std::memset(y, 0, static_cast<std::size_t>(cols) * sizeof(float));
    const std::int64_t c8 = cols / 8 * 8;
    for (std::int64_t r = 0; r < rows; ++r) {
        const T* row = w + r * cols;
        const float xr = x[r];
        for (std::int64_t c = 0; c < c8; c += 8)
            store8(y + c, load8(y + c) + xr * load8(row + c));
        for (std::int64_t c = c8; c < cols; ++c)
            y[c] += xr * widen(row[c]);
    }
}

FATHOM_SIMD_CLONES void axpyF32(const float* x, const float* w, std::int64_t r, std::int64_t c, float* y) { axpyRows(x, w, r, c, y); }
FATHOM_SIMD_CLONES void axpyBf16(const float* x, const Bf16* w, std::int64_t r, std::int64_t c, float* y) { axpyRows(x, w, r, c, y); }
FATHOM_SIMD_CLONES void axpyF16(const float* x, const F16* w, std::int64_t r, std::int64_t c, float* y) { axpyRows(x, w, r, c, y); }

// Quantized rows are dequantized one at a time (exactly, see quant.h) and accumulated in fp32.
void axpyQuantized(const float* x, const WeightMatrix& w, float* y)
{
    std::vector<float> row(static_cast<std::size_t>(w.cols));  // fp32 [cols]
    const std::size_t bytes = rowBytes(w.dtype, w.cols);
    std::memset(y, 0, static_cast<std::size_t>(w.cols) * sizeof(float));
    for (std::int64_t r = 0; r < w.rows; ++r) {
        dequantize(w.dtype, w.data + static_cast<std::size_t>(r) * bytes, w.cols, row.data());
        const float xr = x[r];
        for (std::int64_t c = 0; c < w.cols; ++c)
            y[c] += xr * row[static_cast<std::size_t>(c)];
    }
}

}  // namespace

void matvecTransposed(const float* x, const WeightMatrix& w, float* y)
{
    switch (w.dtype) {
    case DType::F32: axpyF32(x, reinterpret_cast<const float*>(w.data), w.rows, w.cols, y); break;
    case DType::BF16: axpyBf16(x, reinterpret_cast<const Bf16*>(w.data), w.rows, w.cols, y); break;
    case DType::F16: axpyF16(x, reinterpret_cast<const F16*>(w.data), w.rows, w.cols, y); break;
    default: axpyQuantized(x, w, y); break;
    }
}

}  // namespace fathom::inference::cpu
