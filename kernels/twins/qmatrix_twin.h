// CPU twins of the quantized decode kernels qgemv and qembedding: the exact CPU dequantization
// (inference/model/quant.h, bit-equal to gguf-py) followed by plain fp32/double loops. A QMatrix
// here points at host memory holding the same packed bytes the kernel reads on the device.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/qmatrix.cuh"

namespace fathom::kernels::twins {

// Rows [row0, row0 + n) of m dequantized to fp32 [n, cols].
void dequantizeRowsTwin(const QMatrix& m, long long row0, int n, float* out);
std::vector<float> dequantizeRowsTwin(const QMatrix& m, long long row0, int n);

// y fp32 [rows] (+)= W x', x' = x or, with swiglu, x'[i] = silu(x[i]) * x[i + up_offset]; double sums.
void qgemvTwin(const QMatrix& w, const float* x, bool swiglu, std::int64_t up_offset, float* y, bool accumulate);

// out fp32 [n, cols] = table[ids[t]]; ids outside [0, rows) give NaN rows (as kernels/embedding).
void qembeddingTwin(const QMatrix& table, const std::int32_t* ids, int n, float* out);

}  // namespace fathom::kernels::twins
