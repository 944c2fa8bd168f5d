// CPU twin of kernels/mla_kv_append: the 576-value cache row of each token, contiguous
// (rows [n_tokens, kv_lora_rank + rope_dim]): RMSNorm(latent) * weight, then rope(k_pe).
#pragma once

#include <cstdint>

namespace fathom::kernels {

void mlaKvAppendTwin(const float* kv, int kvRowStride, const float* normWeight, float eps,
                     const std::int32_t* positions, int nTokens, int kvLoraRank, int ropeDim, const float* cos,
                     const float* sin, float* rows);

}  // namespace fathom::kernels
