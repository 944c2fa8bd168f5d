// CPU twin of kernels/moe_route: plain fp32 loops written straight from DeepSeek's MoEGate code,
// the reference the GPU test compares the router kernel against.
#pragma once

namespace fathom::kernels::twins {

struct RouteTwinConfig {
    int n_routed = 0;
    int top_k = 0;
    int n_group = 1;
    int topk_group = 1;
    int method = 0;   // 0 greedy, 1 group_limited_greedy, 2 noaux_tc (MoeRouteMethod values)
    int scoring = 0;  // 0 softmax, 1 sigmoid
    bool norm_topk_prob = false;
    float routed_scaling_factor = 1.0f;
};

// logits fp32 [n_tokens, n_routed] = x fp32 [n_tokens, hidden] · gate_w fp32 [n_routed, hidden]^T
void moeRouteLogitsTwin(const float* x, const float* gate_w, int n_tokens, int hidden, int n_routed,
                        float* logits);

// Routing from logits: ids int32 [n_tokens, top_k] best first, weights fp32 [n_tokens, top_k].
// bias fp32 [n_routed] (noaux_tc only) or null. Ties go to the lower expert index.
void moeRouteFromLogitsTwin(const float* logits, const float* bias, int n_tokens, const RouteTwinConfig& c,
                            int* ids, float* weights);

}  // namespace fathom::kernels::twins
