// MLA decode attention in the absorbed form over the paged latent cache, for one new token: every
// head attends over the shared 576-wide cache rows (512 latent + 64 rope), split across SMs along
// the context with a combine step. Context length is read from device memory, so one captured
// graph serves every step.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace fathom::kernels {

struct MlaDecodeParams {
    const void* q_abs = nullptr;                  // bf16 [num_heads, 512]: q_nope absorbed through W_uk (q_nope . W_uk[h])
    const float* q_pe = nullptr;                  // fp32, head h's 64 rope dims (before rope) at q_pe + h*q_pe_head_stride
    std::int64_t q_pe_head_stride = 0;
    const float* cos = nullptr;                   // fp32 [max_position, 32] rope table (YaRN mscale folded in)
    const float* sin = nullptr;                   // fp32 [max_position, 32]
    int max_position = 0;
    const void* cache = nullptr;                  // bf16 [n_pages, 64, 576] this layer's latent cache (normed latent, roped k_pe)
    const std::int32_t* block_table = nullptr;    // int32 [max_blocks] device: physical page of each logical page
    int max_blocks = 0;
    const std::int32_t* last_position = nullptr;  // int32 [1] device: position of the new token; attention covers 0..*last_position
    float scale = 0.f;                            // softmax scale (ModelConfig::softmaxScale())
    int num_heads = 0;                            // multiple of 16
    int num_splits = 0;                           // CTAs along the context (fixed per graph; idle ones exit at once)
    float* partial_o = nullptr;                   // fp32 [num_splits, num_heads, 512] workspace: unnormalised outputs
    float* partial_ml = nullptr;                  // fp32 [num_splits, num_heads, 2] workspace: (running max in log2 units, sum)
    float* out = nullptr;                         // fp32 [num_heads, 512]: softmax(q.k) . latent, per head (W_uv comes after)
};

// Splits that fill the GPU for a context up to max_context (a good num_splits).
int mlaDecodeSplits(int max_context);

void launchMlaDecode(const MlaDecodeParams& p, cudaStream_t stream);

}  // namespace fathom::kernels
