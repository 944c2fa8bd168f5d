// y = x · Wᵀ for a weight stored [out, in] in f32/f16/bf16, widened on the fly, fp32 accumulate.
// Few rows (decode) stream each weight row once against all x rows (bandwidth-bound GEMV); many
// rows (prefill) pack cache-sized weight tiles to fp32 and run a register-blocked GEMM.
#pragma once

#include "inference/cpu/thread_pool.h"
#include "inference/cpu/weight_matrix.h"

#include <cstdint>

namespace fathom::inference::cpu {

// x: fp32 [n, w.cols] with row stride xStride (>= w.cols); y: fp32 [n, w.rows] with row stride
// yStride (>= w.rows). y is overwritten. x and y must not overlap.
void matmul(ThreadPool& pool, const float* x, std::int64_t n, std::int64_t xStride, const WeightMatrix& w,
            float* y, std::int64_t yStride);

// Contiguous convenience form: x [n, w.cols] -> y [n, w.rows].
inline void matmul(ThreadPool& pool, const float* x, std::int64_t n, const WeightMatrix& w, float* y)
{
    matmul(pool, x, n, w.cols, w, y, w.rows);
}

}  // namespace fathom::inference::cpu
