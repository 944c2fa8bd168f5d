// MoE router: gate GEMV (hidden -> n_routed, fp32) and expert choice for DeepSeek V2/V3 routing,
// results left on the device so a decode step can run as one CUDA graph.
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace fathom::kernels {

enum class MoeRouteMethod : int {
    Greedy = 0,              // V2-Lite: top-k over all scores
    GroupLimitedGreedy = 1,  // V2: group score = max of its scores, keep topk_group groups
    NoauxTc = 2,             // V3: bias added for choosing only, group score = sum of its top-2
};

enum class MoeScoring : int { Softmax = 0, Sigmoid = 1 };

struct MoeRouteParams {
    // fp32 throughout, as DeepSeek's reference inference runs the gate: bf16 rounding of the scores
    // can flip which experts a token takes, and the router is 0.3 % of a token's bytes.
    const float* x = nullptr;               // fp32 [n_tokens, hidden] normed hidden states (16-byte aligned)
    const float* gate_w = nullptr;          // fp32 [n_routed, hidden] mlp.gate.weight, widened from the file
    const float* bias = nullptr;            // fp32 [n_routed] e_score_correction_bias; NoauxTc only, else null
    float* logits = nullptr;                // fp32 [n_tokens, n_routed] out: router logits (also the scratch)
    int* counters = nullptr;                // int32 [n_tokens] zero before the first launch; every launch leaves it zero
    int* topk_ids = nullptr;                // int32 [n_tokens, top_k] out: chosen experts, best first
    float* topk_weights = nullptr;          // fp32 [n_tokens, top_k] out: their routing weights
    int n_tokens = 0;                       // 1 for decode; any count for prefill
    int hidden = 0;                         // multiple of 8, at most 16384
    int n_routed = 0;                       // experts, at most 512
    int top_k = 0;                          // 1..16
    int n_group = 1;                        // expert groups (divides n_routed, at most 32)
    int topk_group = 1;                     // groups kept (GroupLimitedGreedy, NoauxTc)
    MoeRouteMethod method = MoeRouteMethod::Greedy;
    MoeScoring scoring = MoeScoring::Softmax;
    int norm_topk_prob = 0;                 // config norm_topk_prob
    float routed_scaling_factor = 1.0f;     // config routed_scaling_factor
};

// Enqueues the router on `stream`. Throws fathom::Error when an argument breaks the contract above.
void launchMoeRoute(const MoeRouteParams& p, cudaStream_t stream);

}  // namespace fathom::kernels
