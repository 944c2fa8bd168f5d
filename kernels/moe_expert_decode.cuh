// Fused MoE experts for one decode token: gate/up GEMV + SiLU(gate)*up, then down GEMV weighted by
// the routing weights, for the chosen routed experts and the shared experts, in one launch.
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include "kernels/moe_route.cuh"

namespace fathom::kernels {

// Device layout of the expert weights (the backend uploads into it; moe_prefill reads the same):
//  - slot ids 0..n_routed-1 are the routed experts (hub mlp.experts.j), ids n_routed.. are the shared
//    experts cut into pieces of `inter` rows: hub mlp.shared_experts.* has n_shared*inter
//    intermediate rows, and piece s is rows [s*inter, (s+1)*inter) of gate/up and columns
//    [s*inter, (s+1)*inter) of down_proj. The sum over pieces with weight 1 is the shared MLP.
//  - w13[e] stacks gate_proj and up_proj rows interleaved in blocks of 64: rows [128b, 128b+64) are
//    gate rows [64b, 64b+64) and rows [128b+64, 128b+128) are up rows [64b, 64b+64). Both kernels
//    then find a gate row and its up row in one tile (the prefill GEMM fuses SwiGLU this way).
//  - w2[e] is down_proj exactly as on the hub: [hidden, inter], row-major.
// The same kernel runs a dense MLP (layer 0 of V2-Lite): n_routed = top_k = 0, one shared slot,
// inter = intermediate_size (10944).
struct MoeExpertDecodeParams {
    const __nv_bfloat16* x = nullptr;       // bf16 [hidden] normed hidden state of the token (16-byte aligned)
    const __nv_bfloat16* w13 = nullptr;     // bf16 [n_routed + n_shared_slots, 2*inter, hidden], layout above
    const __nv_bfloat16* w2 = nullptr;      // bf16 [n_routed + n_shared_slots, hidden, inter]
    int* topk_ids = nullptr;                // int32 [top_k] routed ids in 0..n_routed-1 (repeats allowed): read, or
                                            // written when gate_w is set (fused routing)
    float* topk_weights = nullptr;          // fp32 [top_k] their routing weights: read, or written with gate_w
    float* out_f32 = nullptr;               // fp32 [hidden] out; or null when out_bf16 is used
    __nv_bfloat16* out_bf16 = nullptr;      // bf16 [hidden] out; or null when out_f32 is used
    int accumulate = 0;                     // 1: out += experts(x) (e.g. straight into the residual); 0: out = experts(x)
    float* h_ws = nullptr;                  // fp32 [top_k + n_shared_slots, inter] workspace: weighted SiLU(gate)*up
    int* sync_ws = nullptr;                 // int32 [8] workspace, zero before the first launch; every launch leaves it zero
    int hidden = 0;                         // multiple of 8
    int inter = 0;                          // one expert's intermediate size, multiple of 64
    int n_routed = 0;                       // routed experts in w13/w2 (0 for a dense MLP)
    int top_k = 0;                          // routed experts per token (0 for a dense MLP)
    int n_shared_slots = 0;                 // shared pieces, always weight 1 (n_shared_experts for DeepSeek)

    // Fused routing (optional): with gate_w set the launch also does moe_route's work for this token
    // (same rules, see moe_route.cuh) and the shared experts stream while the router runs.
    // The router is fp32 (moe_route.cuh says why): fp32 weights and the fp32 copy of the norm output.
    const float* gate_w = nullptr;          // fp32 [n_routed, hidden] mlp.gate.weight, or null: ids/weights are inputs
    const float* x_f32 = nullptr;           // fp32 [hidden] the same hidden state as x, unrounded (required with gate_w)
    const float* bias = nullptr;            // fp32 [n_routed] e_score_correction_bias (NoauxTc), else null
    float* logits_ws = nullptr;             // fp32 [n_routed] out: router logits (required with gate_w)
    int n_group = 1;                        // as MoeRouteParams
    int topk_group = 1;
    MoeRouteMethod method = MoeRouteMethod::Greedy;
    MoeScoring scoring = MoeScoring::Softmax;
    int norm_topk_prob = 0;
    float routed_scaling_factor = 1.0f;
};

// Enqueues the fused experts on `stream`. Throws fathom::Error when an argument breaks the contract.
// Consecutive launches may share h_ws/sync_ws only on one stream (they are serialized there).
void launchMoeExpertDecode(const MoeExpertDecodeParams& p, cudaStream_t stream);

}  // namespace fathom::kernels
