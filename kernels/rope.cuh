// YaRN rope on interleaved pairs for the prefill q heads: copies each head's nope part and rotates
// its rope part, fp32 in (the q_proj GEMM output) to fp32 or bf16 out (the attention GEMMs' input).
// Decode does not use it: mla_decode ropes q itself and mla_kv_append ropes k, saving two launches.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace fathom::kernels {

struct RopeParams {
    const float* in = nullptr;                // fp32 [n_tokens, n_heads, ...] element (t,h,d) at t*in_row_stride + h*in_head_stride + d
    void* out = nullptr;                      // fp32 or bf16 (out_bf16), element (t,h,d) at t*out_row_stride + h*out_head_stride + d
    bool out_bf16 = false;
    const std::int32_t* positions = nullptr;  // int32 [n_tokens] device: absolute position of each token
    const float* cos = nullptr;               // fp32 [max_position, rope_dim / 2] (host-built, YaRN mscale folded in)
    const float* sin = nullptr;               // fp32 [max_position, rope_dim / 2]
    int max_position = 0;                     // a position outside [0, max_position) yields NaN
    int n_tokens = 0;
    int n_heads = 0;
    int head_dim = 0;                         // dims [0, rope_offset) are copied, [rope_offset, head_dim) rotated
    int rope_offset = 0;
    std::int64_t in_row_stride = 0, in_head_stride = 0;
    std::int64_t out_row_stride = 0, out_head_stride = 0;
};

void launchRope(const RopeParams& p, cudaStream_t stream);

}  // namespace fathom::kernels
