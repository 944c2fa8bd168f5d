// Fused MoE experts for one decode token on GGUF-packed weights: the quantized counterpart of
// kernels/moe_expert_decode (same queue design, same fused router), laid out the way a GGUF file
// stores the experts, so the backend uploads the file's bytes unchanged.
#pragma once

#include <cuda_runtime.h>

#include "kernels/moe_route.cuh"
#include "kernels/qmatrix.cuh"

namespace fathom::kernels {

// One group of experts with its own storage types. GGUF merges the routed experts into 3-D tensors
// (ffn_gate_exps [n_routed, inter, hidden] is a QMatrix of n_routed*inter rows) and stores the
// shared experts as one ordinary MLP (ffn_*_shexp, inter = n_shared_experts * moe_intermediate),
// often in a different type: V2-Lite Q4_K_M has Q4_K gate/up, Q5_0 or Q8_0 routed down (1408 is
// not a multiple of 256), Q4_K or Q6_K shared down.
struct QMoeExperts {
    QMatrix gate;    // [n * inter, hidden]: expert e's rows start at e * inter
    QMatrix up;      // [n * inter, hidden], the same type as gate
    QMatrix down;    // [n * hidden, inter]: expert e's rows start at e * hidden
    int inter = 0;   // one expert's intermediate size, a multiple of 8 (and of down's block)
};

// The dense MLP (layer 0 of V2-Lite, inter 10944) is "shared only": n_routed = top_k = 0, n_shared = 1.
struct QMoeDecodeParams {
    const float* x = nullptr;        // fp32 [hidden] normed hidden state of the token (16-byte aligned);
                                     // also the fused router's input
    QMoeExperts routed;              // n_routed experts (unused when n_routed = 0)
    QMoeExperts shared;              // the shared expert(s) as one MLP (unused when n_shared = 0)
    int n_shared = 0;                // 0 or 1: whether `shared` is present (weight 1)
    int* topk_ids = nullptr;         // int32 [top_k] routed ids in 0..n_routed-1 (repeats allowed): read, or
                                     // written when gate_w is set (fused routing)
    float* topk_weights = nullptr;   // fp32 [top_k] their routing weights: read, or written with gate_w
    float* out = nullptr;            // fp32 [hidden] (16-byte aligned)
    int accumulate = 0;              // 1: out += experts(x) (straight into the residual); 0: out = experts(x)
    float* h_ws = nullptr;           // fp32 [top_k * routed.inter + n_shared * shared.inter] workspace (16-byte aligned)
    int* sync_ws = nullptr;          // int32 [8] workspace, zero before the first launch; every launch leaves it zero
    int hidden = 0;                  // multiple of 8, at most 16384
    int n_routed = 0;                // routed experts (0 for a dense MLP)
    int top_k = 0;                   // routed experts per token (0 for a dense MLP)

    // Fused routing (optional), exactly as MoeExpertDecodeParams: with gate_w set the launch also does
    // moe_route's work for this token and the shared expert streams while the router runs.
    const float* gate_w = nullptr;   // fp32 [n_routed, hidden] ffn_gate_inp, or null: ids/weights are inputs
    const float* bias = nullptr;     // fp32 [n_routed] exp_probs_b (NoauxTc), else null
    float* logits_ws = nullptr;      // fp32 [n_routed] out: router logits (required with gate_w)
    int n_group = 1;                 // as MoeRouteParams
    int topk_group = 1;
    MoeRouteMethod method = MoeRouteMethod::Greedy;
    MoeScoring scoring = MoeScoring::Softmax;
    int norm_topk_prob = 0;
    float routed_scaling_factor = 1.0f;

    // Int8 activations (kernels/qdot8.cuh): x and h quantized per 32 elements into shared memory
    // and dotted with __dp4a; ~1e-2 relative instead of fp32 rounding. Taken only when every
    // matrix is Q8_0, Q5_0, Q4_K or Q6_K (a Q4_K_M or Q8_0 file) and hidden and inter are multiples
    // of 32; otherwise the launch runs the fp32 path.
    bool int8_x = false;
    // With the int8 path: x already quantized (kernels/qdot8.cuh's Q8View layout, q8Bytes(hidden)
    // bytes, 16-byte aligned: RmsNormParams::out_q8), copied instead of quantized in every block.
    // x itself is still read by the fused router (fp32).
    const void* x_q8 = nullptr;
};

// Enqueues the fused experts on `stream`. Throws fathom::Error (before any CUDA call) when an
// argument breaks the contract. Consecutive launches may share h_ws/sync_ws only on one stream.
void launchQMoeDecode(const QMoeDecodeParams& p, cudaStream_t stream);

}  // namespace fathom::kernels
