// MoE experts for many tokens (prefill, batched decode): sort assignments by expert, grouped bf16
// GEMM gate|up with SwiGLU fused, grouped GEMM down, then a weighted gather back per token.
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace fathom::kernels {

// Weights use the device layout documented in moe_expert_decode.cuh (w13 gate/up rows interleaved
// in blocks of 64; shared experts as extra ids n_routed.. with weight 1). Each token makes
// S = top_k + n_shared_slots assignments; n_assign = n_tokens * S. Everything stays on the device:
// no host sync, so the whole op can be captured in a CUDA graph.
struct MoePrefillParams {
    const __nv_bfloat16* x = nullptr;     // bf16 [n_tokens, hidden] normed hidden states (16-byte aligned)
    const __nv_bfloat16* w13 = nullptr;   // bf16 [n_routed + n_shared_slots, 2*inter, hidden]
    const __nv_bfloat16* w2 = nullptr;    // bf16 [n_routed + n_shared_slots, hidden, inter]
    const int* topk_ids = nullptr;        // int32 [n_tokens, top_k] routed ids in 0..n_routed-1 (from moe_route)
    const float* topk_weights = nullptr;  // fp32 [n_tokens, top_k]
    float* out_f32 = nullptr;             // fp32 [n_tokens, hidden] out; or null when out_bf16 is used
    __nv_bfloat16* out_bf16 = nullptr;    // bf16 [n_tokens, hidden] out; or null when out_f32 is used
    int accumulate = 0;                   // 1: out += experts(x); 0: out = experts(x)
    int* ws_sorted_token = nullptr;       // int32 [n_assign] workspace: token of each assignment in expert order
    int* ws_slot_pos = nullptr;           // int32 [n_assign] workspace: sorted position of assignment t*S + s
    int* ws_offsets = nullptr;            // int32 [n_routed + n_shared_slots + 1] workspace: first position per expert
    int* ws_tile_offsets = nullptr;       // int32 [n_routed + n_shared_slots + 1] workspace: first 64-row tile per expert
    __nv_bfloat16* ws_h = nullptr;        // bf16 [n_assign, inter] workspace: SiLU(gate)*up per assignment
    __nv_bfloat16* ws_y = nullptr;        // bf16 [n_assign, hidden] workspace: down projection per assignment
    int n_tokens = 0;
    int hidden = 0;                       // multiple of 128
    int inter = 0;                        // multiple of 64
    int n_routed = 0;
    int top_k = 0;
    int n_shared_slots = 0;               // n_routed + n_shared_slots <= 2048
};

// Enqueues the four kernels on `stream`. Throws fathom::Error when an argument breaks the contract.
void launchMoePrefill(const MoePrefillParams& p, cudaStream_t stream);

}  // namespace fathom::kernels
