// RMSNorm as DeepSeek uses it: x / sqrt(mean(x²) + eps) · weight, all in fp32.
#pragma once

#include "inference/cpu/thread_pool.h"

#include <cstdint>

namespace fathom::inference::cpu {

// x: fp32 [n, dim] (row stride xStride); weight: fp32 [dim]; out: fp32 [n, dim] (row stride
// outStride). out may equal x (in place).
void rmsnorm(ThreadPool& pool, const float* x, std::int64_t n, std::int64_t xStride, const float* weight,
             std::int64_t dim, float eps, float* out, std::int64_t outStride);

}  // namespace fathom::inference::cpu
