// Appends tokens to the paged MLA latent cache: kv_a_layernorm on the latent, rope on k_pe, bf16
// store at each token's slot. One fused launch per layer and step instead of norm + rope + copy.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace fathom::kernels {

struct MlaKvAppendParams {
    const float* kv = nullptr;                  // fp32 [n_tokens, kv_row_stride]: latent [kv_lora_rank] then k_pe [rope_dim], as kv_a_proj wrote them
    std::int64_t kv_row_stride = 0;
    const void* norm_weight = nullptr;          // bf16 [kv_lora_rank] kv_a_layernorm.weight
    float eps = 1e-6f;
    const std::int32_t* positions = nullptr;    // int32 [n_tokens] device: absolute position = cache slot
    const float* cos = nullptr;                 // fp32 [max_position, rope_dim / 2]
    const float* sin = nullptr;                 // fp32 [max_position, rope_dim / 2]
    int max_position = 0;
    const std::int32_t* block_table = nullptr;  // int32 [max_blocks] device: physical page of each logical page
    int max_blocks = 0;                         // positions past max_blocks * page_size are dropped (the engine checks context first)
    void* cache = nullptr;                      // bf16 [n_pages, page_size, kv_lora_rank + rope_dim] this layer's pages
    int n_tokens = 0;
    int kv_lora_rank = 512;                     // multiple of 4, at most 1024
    int rope_dim = 64;                          // even, at most 256
    int page_size = 64;
};

void launchMlaKvAppend(const MlaKvAppendParams& p, cudaStream_t stream);

}  // namespace fathom::kernels
