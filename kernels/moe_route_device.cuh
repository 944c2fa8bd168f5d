// Device-side routing shared by moe_route and the fused decode experts (moe_expert_decode):
// scoring, group limit and top-k of one token by one warp. Included by .cu files only.
#pragma once

#include <climits>

#include "kernels/moe_common.cuh"
#include "kernels/moe_route.cuh"

namespace fathom::kernels::detail {

constexpr int kMaxRouteExperts = 512;
constexpr int kMaxRouteTopk = 16;
constexpr int kMaxRouteGroups = 32;

// The fused router's parameter rules (moe_route.cuh), checked by every expert launcher that routes.
inline void checkFusedRouting(const char* op, int n_routed, int top_k, MoeRouteMethod method, int n_group, int topk_group)
{
    require(top_k >= 1 && top_k <= kMaxRouteTopk && n_routed >= top_k && n_routed <= kMaxRouteExperts, op,
            "fused routing needs 1 <= top_k <= 16 and top_k <= n_routed <= 512");
    if (method != MoeRouteMethod::Greedy) {
        require(n_group >= 1 && n_group <= kMaxRouteGroups && n_routed % n_group == 0 && topk_group >= 1 &&
                    topk_group <= n_group && topk_group * (n_routed / n_group) >= top_k &&
                    (method != MoeRouteMethod::NoauxTc || n_routed / n_group >= 2),
                op, "n_group/topk_group do not fit n_routed and top_k");
    }
}

// Warp-wide argmax; ties go to the lower index so the twin (a plain loop) agrees.
__device__ __forceinline__ void warpArgmax(float& v, int& i)
{
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        const float ov = __shfl_xor_sync(0xffffffffu, v, o);
        const int oi = __shfl_xor_sync(0xffffffffu, i, o);
        if (ov > v || (ov == v && oi < i)) { v = ov; i = oi; }
    }
}

// Routing of one token by one warp, from its logits in `score` (overwritten with scores); `choice`
// is scratch of the same size. P: any params struct with the MoeRouteParams routing fields.
template <class P>
__device__ void routeOneToken(const P& p, float* score, float* choice, int* ids_out, float* weights_out)
{
    const int lane = threadIdx.x & 31;
    const int E = p.n_routed;

    if (p.scoring == MoeScoring::Softmax) {
        float m = -INFINITY;
        for (int i = lane; i < E; i += 32) m = fmaxf(m, score[i]);
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, o));
        float z = 0.f;
        for (int i = lane; i < E; i += 32) { const float e = expf(score[i] - m); score[i] = e; z += e; }
        z = warpSum(z);
        for (int i = lane; i < E; i += 32) score[i] /= z;
    } else {
        for (int i = lane; i < E; i += 32) score[i] = 1.0f / (1.0f + expf(-score[i]));
    }
    // The correction bias only steers the choice (DeepSeek-V3); weights use the unbiased scores.
    for (int i = lane; i < E; i += 32)
        choice[i] = score[i] + (p.method == MoeRouteMethod::NoauxTc && p.bias ? p.bias[i] : 0.f);
    __syncwarp();

    if (p.method != MoeRouteMethod::Greedy) {
        const int gsize = E / p.n_group;
        float gs = -INFINITY;
        if (lane < p.n_group) {
            float top1 = -INFINITY, top2 = -INFINITY;
            for (int m = 0; m < gsize; ++m) {
                const float v = choice[lane * gsize + m];
                if (v > top1) { top2 = top1; top1 = v; } else if (v > top2) { top2 = v; }
            }
            // V2 scores a group by its best expert, V3 by the sum of its best two.
            gs = p.method == MoeRouteMethod::NoauxTc ? top1 + top2 : top1;
        }
        unsigned kept = 0;
        for (int j = 0; j < p.topk_group; ++j) {
            float v = gs;
            int g = lane < p.n_group ? lane : INT_MAX;
            warpArgmax(v, g);
            if (g != INT_MAX) {
                kept |= 1u << g;
                if (lane == g) gs = -INFINITY;
            }
        }
        // Experts outside the kept groups can never be chosen (-inf, as DeepSeek's inference code).
        for (int i = lane; i < E; i += 32)
            if (!((kept >> (i / gsize)) & 1u)) choice[i] = -INFINITY;
        __syncwarp();
    }

    __shared__ int s_ids[kMaxRouteTopk];
    for (int j = 0; j < p.top_k; ++j) {
        float v = -INFINITY;
        int best = INT_MAX;
        for (int i = lane; i < E; i += 32)
            if (choice[i] > v) { v = choice[i]; best = i; }
        warpArgmax(v, best);
        // Only NaN scores leave nothing to choose; keep the id valid so no kernel reads out of
        // bounds, and let the NaN weight carry the failure to the logits where it is reported.
        if (lane == 0) {
            s_ids[j] = best == INT_MAX ? -1 - j : best;  // negative: marks the fallback
            if (best != INT_MAX) choice[best] = -INFINITY;
        }
        __syncwarp();
    }

    float w = 0.f;
    int id = 0;
    if (lane < p.top_k) {
        id = s_ids[lane];
        w = id >= 0 ? score[id] : NAN;
        if (id < 0) id = -1 - id;
    }
    const float sum = warpSum(w);
    const bool norm = p.top_k > 1 && p.norm_topk_prob;
    if (norm) w = w / (sum + 1e-20f);
    // V2: scaled only when not normalized; V3 (noaux_tc): always scaled.
    if (!norm || p.method == MoeRouteMethod::NoauxTc) w *= p.routed_scaling_factor;
    if (lane < p.top_k) {
        ids_out[lane] = id;
        weights_out[lane] = w;
    }
}

}  // namespace fathom::kernels::detail
