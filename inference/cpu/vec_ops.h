// Dense fp32 vector primitives the attention loops are built from (SIMD-dispatched).
#pragma once

#include <cstdint>

namespace fathom::inference::cpu {

float dot(const float* a, const float* b, std::int64_t n);       // Σ a[i]·b[i]
void axpy(float a, const float* x, float* y, std::int64_t n);   // y += a·x

}  // namespace fathom::inference::cpu
