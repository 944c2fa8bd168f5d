// MoE router kernel: gate GEMV + softmax/sigmoid scoring + (grouped) top-k, one small launch.
// For decode the GEMV is split over several blocks; the last block to finish does the routing.
#include "kernels/moe_route.cuh"

#include <climits>

#include "kernels/moe_common.cuh"

namespace fathom::kernels {
namespace {

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
constexpr int kMaxExperts = 512;
constexpr int kMaxTopk = 16;
constexpr int kMaxGroups = 32;
constexpr int kBatch = 8;  // 16-byte weight loads in flight per lane

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

// Routing of one token by one warp, from its logits in `score` (overwritten with scores).
__device__ void routeOneToken(const MoeRouteParams& p, int t, float* score, float* choice)
{
    using namespace detail;
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

    __shared__ int s_ids[kMaxTopk];
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
        p.topk_ids[static_cast<size_t>(t) * p.top_k + lane] = id;
        p.topk_weights[static_cast<size_t>(t) * p.top_k + lane] = w;
    }
}

// grid (n_tokens, n_split): block (t, y) computes logits rows [y*rows, (y+1)*rows) of token t.
__global__ void __launch_bounds__(kThreads) routeKernel(MoeRouteParams p, int rows_per_block)
{
    using namespace detail;
    extern __shared__ uint4 xs[];  // bf16 [hidden] of this token, as 16-byte chunks
    __shared__ float s_score[kMaxExperts];
    __shared__ float s_choice[kMaxExperts];
    __shared__ int s_last;

    const int t = blockIdx.x;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int nc = p.hidden / 8;
    const uint4* x = reinterpret_cast<const uint4*>(p.x + static_cast<size_t>(t) * p.hidden);
    for (int c = threadIdx.x; c < nc; c += kThreads) xs[c] = __ldg(x + c);
    __syncthreads();

    const int r0 = blockIdx.y * rows_per_block;
    const int r1 = min(r0 + rows_per_block, p.n_routed);
    for (int r = r0 + warp; r < r1; r += kWarps) {
        const uint4* w = reinterpret_cast<const uint4*>(p.gate_w + static_cast<size_t>(r) * p.hidden);
        float s = 0.f;
        for (int c0 = lane; c0 < nc; c0 += 32 * kBatch) {
            uint4 wv[kBatch];
#pragma unroll
            for (int j = 0; j < kBatch; ++j) {
                const int c = c0 + 32 * j;
                wv[j] = c < nc ? __ldg(w + c) : make_uint4(0, 0, 0, 0);
            }
#pragma unroll
            for (int j = 0; j < kBatch; ++j) {
                const int c = c0 + 32 * j;
                if (c < nc) s += dot8(wv[j], xs[c]);
            }
        }
        s = warpSum(s);
        if (lane == 0) {
            p.logits[static_cast<size_t>(t) * p.n_routed + r] = s;
            __threadfence();  // visible to the block that does the routing
        }
    }

    if (gridDim.y > 1) {
        __syncthreads();
        if (threadIdx.x == 0) {
            __threadfence();  // release: the fences above plus the barrier order every warp's logits first
            s_last = atomicAdd(&p.counters[t], 1) == static_cast<int>(gridDim.y) - 1;
        }
        __syncthreads();
        if (!s_last) return;
        __threadfence();
    } else {
        __syncthreads();
    }
    if (warp != 0) return;
    for (int i = lane; i < p.n_routed; i += 32)
        s_score[i] = __ldcg(p.logits + static_cast<size_t>(t) * p.n_routed + i);
    __syncwarp();
    routeOneToken(p, t, s_score, s_choice);
    if (lane == 0 && gridDim.y > 1) p.counters[t] = 0;  // ready for the next launch (graph replay)
}

}  // namespace

void moeRoute(const MoeRouteParams& p, cudaStream_t stream)
{
    using detail::require;
    const char* op = "moe_route";
    require(p.x && p.gate_w && p.logits && p.topk_ids && p.topk_weights, op, "a required pointer is null");
    require(p.n_tokens >= 0, op, "n_tokens is negative");
    require(p.hidden > 0 && p.hidden % 8 == 0 && p.hidden <= 16384, op,
            "hidden " + std::to_string(p.hidden) + " must be a positive multiple of 8 up to 16384");
    require(detail::aligned16(p.x) && detail::aligned16(p.gate_w), op, "x and gate_w must be 16-byte aligned");
    require(p.n_routed > 0 && p.n_routed <= kMaxExperts, op,
            "n_routed " + std::to_string(p.n_routed) + " must be in 1..512");
    require(p.top_k >= 1 && p.top_k <= kMaxTopk && p.top_k <= p.n_routed, op,
            "top_k " + std::to_string(p.top_k) + " must be in 1..min(16, n_routed)");
    if (p.method != MoeRouteMethod::Greedy) {
        require(p.n_group >= 1 && p.n_group <= kMaxGroups && p.n_routed % p.n_group == 0, op,
                "n_group " + std::to_string(p.n_group) + " must divide n_routed and be at most 32");
        require(p.topk_group >= 1 && p.topk_group <= p.n_group, op, "topk_group must be in 1..n_group");
        require(p.topk_group * (p.n_routed / p.n_group) >= p.top_k, op,
                "the kept groups hold fewer experts than top_k");
    }
    if (p.n_tokens == 0) return;

    // Decode: spread the GEMV over blocks of 8 rows so it is not one SM reading the whole gate.
    const bool split = p.n_tokens <= 16 && p.n_routed > kWarps;
    const int rows = split ? kWarps : p.n_routed;
    const int n_split = (p.n_routed + rows - 1) / rows;
    require(!split || p.counters, op, "counters is null (needed when n_tokens <= 16)");
    const dim3 grid(p.n_tokens, n_split);
    routeKernel<<<grid, kThreads, static_cast<size_t>(p.hidden) * 2, stream>>>(p, rows);
    detail::checkLaunch(op);
}

}  // namespace fathom::kernels
