// CPU twin of kernels/rope on contiguous heads: x [n_tokens, n_heads, head_dim]; dims from
// rope_offset on are rotated in interleaved pairs at each token's position, the rest copied.
#pragma once

#include <cstdint>

namespace fathom::kernels {

void ropeTwin(const float* in, float* out, const std::int32_t* positions, int nTokens, int nHeads, int headDim,
              int ropeOffset, const float* cos, const float* sin);

}  // namespace fathom::kernels
