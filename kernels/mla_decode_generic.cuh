// MLA decode attention (absorbed form, one new token) for any kv_lora_rank / rope_dim / head count:
// the plain fallback behind mla_decode's tensor-core kernel, which is specialised to V2-Lite's
// 512 + 64 latent and heads in groups of 16. Small models (the golden fixtures, the tiny coder) and
// other shapes run here; it reads q_abs in fp32, so it adds no bf16 rounding of its own.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace fathom::kernels {

struct MlaDecodeGenericParams {
    const float* q_abs = nullptr;                 // fp32 [num_heads, kv_lora_rank]: q_nope absorbed through W_uk
    const float* q_pe = nullptr;                  // fp32, head h's rope_dim dims (before rope) at q_pe + h*q_pe_head_stride
    std::int64_t q_pe_head_stride = 0;
    const float* cos = nullptr;                   // fp32 [max_position, rope_dim / 2] rope table (YaRN mscale folded in)
    const float* sin = nullptr;                   // fp32 [max_position, rope_dim / 2]
    int max_position = 0;                         // a position outside the table gives NaN output
    const void* cache = nullptr;                  // bf16 [n_pages, page_size, kv_lora_rank + rope_dim] this layer's latent cache
    const std::int32_t* block_table = nullptr;    // int32 [max_blocks] device: physical page of each logical page
    int max_blocks = 0;
    int page_size = 64;
    const std::int32_t* last_position = nullptr;  // int32 [1] device: position of the new token; attention covers 0..*last_position
    float scale = 0.f;                            // softmax scale (ModelConfig::softmaxScale())
    int num_heads = 0;                            // any count >= 1
    int kv_lora_rank = 0;                         // 1..1024
    int rope_dim = 0;                             // even, 2..256
    float* out = nullptr;                         // fp32 [num_heads, kv_lora_rank]: softmax(q.k) . latent, per head
};

void launchMlaDecodeGeneric(const MlaDecodeGenericParams& p, cudaStream_t stream);

}  // namespace fathom::kernels
