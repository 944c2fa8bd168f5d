// MoE experts for many tokens on quantized (GGUF block) expert weights: moe_prefill's plan — sort
// assignments by expert, grouped GEMM gate|up with SwiGLU fused, grouped GEMM down, weighted gather —
// with the weight tiles read as packed blocks and dequantized to bf16 in shared memory right before
// the tensor-core MMAs, so each layer reads the packed bytes (~3.5x fewer than bf16 for Q4_K_M).
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstddef>

#include "kernels/qmatrix.cuh"

namespace fathom::kernels {

// One group of experts as the GGUF file stores it. gate and up share a type; down may differ.
//  routed: gate/up [n_experts * inter, hidden] (expert e's rows start at e * inter: ffn_gate_exps),
//          down [n_experts * hidden, inter] (expert e's rows start at e * hidden: ffn_down_exps).
//  shared: the whole shared MLP as one expert (ffn_*_shexp, or a dense layer's ffn_*): gate/up
//          [inter, hidden], down [hidden, inter], weight 1 for every token.
struct QMoeGroup {
    QMatrix gate, up, down;
    int inter = 0;  // intermediate size of one expert: multiple of 64 (and of down's block)
};

// Assignments: routed (t, k) for k < top_k are sorted by expert into positions [0, n_tokens*top_k);
// the shared expert's rows follow at positions n_tokens*top_k + t (already in token order).
struct QMoePrefillParams {
    const __nv_bfloat16* x = nullptr;     // bf16 [n_tokens, hidden] normed hidden states (16-byte aligned)
    QMoeGroup routed;                     // unused when top_k == 0 (a dense layer)
    QMoeGroup shared;                     // unused when has_shared == 0
    int has_shared = 0;
    const int* topk_ids = nullptr;        // int32 [n_tokens, top_k] routed ids in 0..n_routed-1 (from moe_route)
    const float* topk_weights = nullptr;  // fp32 [n_tokens, top_k]
    float* out_f32 = nullptr;             // fp32 [n_tokens, hidden] out; or null when out_bf16 is used
    __nv_bfloat16* out_bf16 = nullptr;    // bf16 [n_tokens, hidden] out; or null when out_f32 is used
    int accumulate = 0;                   // 1: out += experts(x); 0: out = experts(x)
    int* ws_sorted_token = nullptr;       // int32 [n_tokens * top_k] workspace: token of each sorted routed position
    int* ws_slot_pos = nullptr;           // int32 [n_tokens * top_k] workspace: sorted position of assignment t*top_k + k
    int* ws_offsets = nullptr;            // int32 [n_routed + 1] workspace: first position per expert
    int* ws_tile_offsets = nullptr;       // int32 [n_routed + 1] workspace: first 64-row tile per expert
    __nv_bfloat16* ws_h = nullptr;        // bf16 [qmoePrefillHElements(...)] workspace: SiLU(gate)*up, routed then shared
    __nv_bfloat16* ws_y = nullptr;        // bf16 [n_tokens * (top_k + has_shared), hidden] workspace: down outputs
    int n_tokens = 0;
    int hidden = 0;                       // multiple of 128 (and of gate/up's block)
    int n_routed = 0;                     // at most 2048
    int top_k = 0;
};

// Elements of ws_h: routed rows of routed.inter, then shared rows of shared.inter.
inline std::size_t qmoePrefillHElements(int n_tokens, int top_k, int routed_inter, int has_shared, int shared_inter)
{
    return static_cast<std::size_t>(n_tokens) * top_k * routed_inter +
           (has_shared ? static_cast<std::size_t>(n_tokens) * shared_inter : 0);
}

// Enqueues the kernels on `stream` (no host sync: capturable in a CUDA graph). Throws fathom::Error
// when an argument breaks the contract.
void launchQMoePrefill(const QMoePrefillParams& p, cudaStream_t stream);

}  // namespace fathom::kernels
