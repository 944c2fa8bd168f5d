// MoE router kernel: fp32 gate GEMV + softmax/sigmoid scoring + (grouped) top-k, one small launch.
// For decode the GEMV is split over several blocks; the last block to finish does the routing.
#include "kernels/moe_route.cuh"

#include "kernels/common.cuh"
#include "kernels/moe_common.cuh"
#include "kernels/moe_route_device.cuh"

namespace fathom::kernels {
namespace {

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
constexpr int kMaxExperts = detail::kMaxRouteExperts;
constexpr int kMaxTopk = detail::kMaxRouteTopk;
constexpr int kMaxGroups = detail::kMaxRouteGroups;
constexpr int kBatch = 8;  // 16-byte weight loads in flight per lane

// grid (n_tokens, n_split): block (t, y) computes logits rows [y*rows, (y+1)*rows) of token t.
__global__ void __launch_bounds__(kThreads) routeKernel(MoeRouteParams p, int rows_per_block)
{
    gridDependencyBegin();  // programmatic dependent launch: kernels/common.cuh
    using namespace detail;
    extern __shared__ float4 xs[];  // fp32 [hidden] of this token
    __shared__ float s_score[kMaxExperts];
    __shared__ float s_choice[kMaxExperts];
    __shared__ int s_last;

    const int t = blockIdx.x;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int nc = p.hidden / 4;
    const float4* x = reinterpret_cast<const float4*>(p.x + static_cast<size_t>(t) * p.hidden);
    for (int c = threadIdx.x; c < nc; c += kThreads) xs[c] = __ldg(x + c);
    __syncthreads();

    const int r0 = blockIdx.y * rows_per_block;
    const int r1 = min(r0 + rows_per_block, p.n_routed);
    for (int r = r0 + warp; r < r1; r += kWarps) {
        const float4* w = reinterpret_cast<const float4*>(p.gate_w + static_cast<size_t>(r) * p.hidden);
        float s = 0.f;
        for (int c0 = lane; c0 < nc; c0 += 32 * kBatch) {
            float4 wv[kBatch];
#pragma unroll
            for (int j = 0; j < kBatch; ++j) {
                const int c = c0 + 32 * j;
                wv[j] = c < nc ? __ldg(w + c) : make_float4(0.f, 0.f, 0.f, 0.f);
            }
#pragma unroll
            for (int j = 0; j < kBatch; ++j) {
                const int c = c0 + 32 * j;
                if (c < nc) {
                    const float4 xv = xs[c];
                    s += wv[j].x * xv.x + wv[j].y * xv.y + wv[j].z * xv.z + wv[j].w * xv.w;
                }
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
    detail::routeOneToken(p, s_score, s_choice, p.topk_ids + static_cast<size_t>(t) * p.top_k,
                          p.topk_weights + static_cast<size_t>(t) * p.top_k);
    if (lane == 0 && gridDim.y > 1) p.counters[t] = 0;  // ready for the next launch (graph replay)
}

}  // namespace

void launchMoeRoute(const MoeRouteParams& p, cudaStream_t stream)
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
        require(p.method != MoeRouteMethod::NoauxTc || p.n_routed / p.n_group >= 2, op,
                "noaux_tc scores a group by its top two experts: groups need at least 2");
    }
    if (p.n_tokens == 0) return;

    // Decode: spread the GEMV over blocks of 8 rows so it is not one SM reading the whole gate.
    const bool split = p.n_tokens <= 16 && p.n_routed > kWarps;
    const int rows = split ? kWarps : p.n_routed;
    const int n_split = (p.n_routed + rows - 1) / rows;
    require(!split || p.counters, op, "counters is null (needed when n_tokens <= 16)");
    const dim3 grid(p.n_tokens, n_split);
    const int smem = p.hidden * 4;
    if (smem > 48 * 1024)
        detail::checkCuda(cudaFuncSetAttribute(routeKernel, cudaFuncAttributeMaxDynamicSharedMemorySize, smem), op,
                          "raising the shared-memory limit");
    launchOverlapped(routeKernel, grid, dim3(kThreads), static_cast<size_t>(smem), stream, p, rows);
    detail::checkLaunch(op);
}

}  // namespace fathom::kernels
