// CPU twin of kernels/quantize_x8 (and of RmsNormParams::out_q8): x quantized to int8 per 32
// elements in the Q8View layout of kernels/qdot8.cuh, with the same arithmetic (d = max|x| / 127,
// q = round-half-even(x · 127 / max|x|)), so the kernel's bytes must equal these exactly.
#pragma once

#include <vector>

namespace fathom::kernels::twins {

// n a multiple of 32; returns n / 32 * 40 bytes: int8 q [n], fp32 d [n / 32], int32 sum [n / 32].
std::vector<unsigned char> quantizeX8Twin(const float* x, int n);

}  // namespace fathom::kernels::twins
