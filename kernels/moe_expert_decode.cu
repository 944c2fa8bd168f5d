// Fused decode experts: a persistent grid takes work items from an atomic queue, in this order:
//   [router rows]  (fused routing only) 8 router logits per item
//   [routing]      (fused routing only) one warp picks the experts once all router rows are in,
//                  while the other blocks already stream the shared experts
//   [shared h]     h = SiLU(gate·x) * (up·x) for the shared slots, 8 rows per item: no routing needed
//   [routed h]     the same for the routed slots, weighted, once the routing is known
//   [down]         out = Σ_slots down_e · h_e, 4 rows per item, once every h row is in
// An item only ever waits for items handed out before it, which are all running already, so the
// queue cannot deadlock whatever the grid size. The expert sum runs in a fixed order inside one
// warp pair: the result is deterministic.
#include "kernels/moe_expert_decode.cuh"

#include <algorithm>
#include <mutex>

#include "kernels/common.cuh"
#include "kernels/moe_common.cuh"
#include "kernels/moe_route_device.cuh"

namespace fathom::kernels {
namespace {

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
constexpr int kRows2 = 4;                   // output rows per down item
constexpr int kWarpsPerRow2 = kWarps / kRows2;
constexpr int kBatch = 8;                   // 16-byte weight loads in flight per lane
constexpr int kMaxSlots = 32;

// The work queue's counters (sync_ws slots) and its waits: kernels/moe_common.cuh.
using detail::countDone;
using detail::kBlocksDone;
using detail::kHDone;
using detail::kQueue;
using detail::kRouted;
using detail::kRouterDone;
using detail::waitFor;

// The router's fp32 row dot with the fp32 hidden state (both from global memory, x stays in L1).
__device__ __forceinline__ float rowDotF32(const float4* w, const float4* x, int nc4, int lane)
{
    float s = 0.f;
    for (int c0 = lane; c0 < nc4; c0 += 32 * kBatch) {
        float4 wv[kBatch];
#pragma unroll
        for (int j = 0; j < kBatch; ++j) {
            const int c = c0 + 32 * j;
            wv[j] = c < nc4 ? __ldg(w + c) : make_float4(0.f, 0.f, 0.f, 0.f);
        }
#pragma unroll
        for (int j = 0; j < kBatch; ++j) {
            const int c = c0 + 32 * j;
            if (c < nc4) {
                const float4 xv = __ldg(x + c);
                s += wv[j].x * xv.x + wv[j].y * xv.y + wv[j].z * xv.z + wv[j].w * xv.w;
            }
        }
    }
    return detail::warpSum(s);
}

__global__ void __launch_bounds__(kThreads) expertDecodeKernel(MoeExpertDecodeParams p)
{
    gridDependencyBegin();  // programmatic dependent launch: kernels/common.cuh
    using namespace detail;
    extern __shared__ uint4 smem[];
    uint4* xs = smem;                                           // bf16 [hidden] as 16-byte chunks
    float* hs = reinterpret_cast<float*>(smem + p.hidden / 8);  // fp32 [n_slots, inter], copy of h_ws
    __shared__ int s_expert[kMaxSlots];
    __shared__ float s_weight[kMaxSlots];
    __shared__ float s_part[kWarps];
    __shared__ int s_item;

    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int n_slots = p.top_k + p.n_shared_slots;
    const bool fused = p.gate_w != nullptr;
    if (threadIdx.x < n_slots) {
        const bool routed = threadIdx.x < p.top_k;
        s_expert[threadIdx.x] = routed ? (fused ? 0 : p.topk_ids[threadIdx.x]) : p.n_routed + threadIdx.x - p.top_k;
        s_weight[threadIdx.x] = routed ? (fused ? 0.f : p.topk_weights[threadIdx.x]) : 1.0f;
    }
    const int nc = p.hidden / 8;
    for (int c = threadIdx.x; c < nc; c += kThreads) xs[c] = __ldg(reinterpret_cast<const uint4*>(p.x) + c);
    __syncthreads();

    const int items_per_slot = p.inter / kWarps;
    const int n_router = fused ? (p.n_routed + kWarps - 1) / kWarps : 0;
    const int b_route = n_router;                                         // the routing item (fused)
    const int b_shared = b_route + (fused ? 1 : 0);                       // first shared-h item
    const int b_routed = b_shared + p.n_shared_slots * items_per_slot;    // first routed-h item
    const int b_down = b_routed + p.top_k * items_per_slot;               // first down item
    const int total = b_down + p.hidden / kRows2;
    const int n_h = n_slots * items_per_slot;
    const int nc2 = p.inter / 8;
    bool routing_known = !fused;
    bool h_ready = false;

    for (;;) {
        if (threadIdx.x == 0) s_item = atomicAdd(&p.sync_ws[kQueue], 1);
        __syncthreads();
        const int item = s_item;
        if (item >= total) break;

        if (item < b_route) {
            // ---- router logits: warp `warp` computes row r ----
            const int r = item * kWarps + warp;
            if (r < p.n_routed) {
                const float l = rowDotF32(reinterpret_cast<const float4*>(p.gate_w + static_cast<size_t>(r) * p.hidden),
                                          reinterpret_cast<const float4*>(p.x_f32), p.hidden / 4, lane);
                if (lane == 0) {
                    p.logits_ws[r] = l;
                    __threadfence();
                }
            }
            countDone(&p.sync_ws[kRouterDone]);
        } else if (item == b_route && fused) {
            // ---- routing: one warp, from all router logits ----
            __shared__ float s_score[kMaxRouteExperts];
            __shared__ float s_choice[kMaxRouteExperts];
            waitFor(&p.sync_ws[kRouterDone], n_router);
            if (warp == 0) {
                for (int i = lane; i < p.n_routed; i += 32) s_score[i] = __ldcg(p.logits_ws + i);
                __syncwarp();
                routeOneToken(p, s_score, s_choice, p.topk_ids, p.topk_weights);
                __threadfence();
            }
            countDone(&p.sync_ws[kRouted]);
        } else if (item < b_down) {
            // ---- gate/up: warp `warp` computes intermediate row i of one slot ----
            const bool routed_item = item >= b_routed;
            if (routed_item && !routing_known) {
                waitFor(&p.sync_ws[kRouted], 1);
                if (threadIdx.x < p.top_k) {
                    s_expert[threadIdx.x] = __ldcg(p.topk_ids + threadIdx.x);
                    s_weight[threadIdx.x] = __ldcg(p.topk_weights + threadIdx.x);
                }
                __syncthreads();
                routing_known = true;
            }
            const int k = routed_item ? item - b_routed : item - b_shared;
            const int slot = (routed_item ? 0 : p.top_k) + k / items_per_slot;
            const int i = (k % items_per_slot) * kWarps + warp;
            const size_t grow = static_cast<size_t>(i / 64) * 128 + i % 64;
            const uint4* g = reinterpret_cast<const uint4*>(
                p.w13 + (static_cast<size_t>(s_expert[slot]) * 2 * p.inter + grow) * p.hidden);
            const uint4* u = g + static_cast<size_t>(64) * nc;  // the up row sits 64 rows below
            float sg = 0.f, su = 0.f;
            for (int c0 = lane; c0 < nc; c0 += 32 * (kBatch / 2)) {
                uint4 wg[kBatch / 2], wu[kBatch / 2];
#pragma unroll
                for (int j = 0; j < kBatch / 2; ++j) {
                    const int c = c0 + 32 * j;
                    wg[j] = c < nc ? loadStreaming(g + c) : make_uint4(0, 0, 0, 0);
                    wu[j] = c < nc ? loadStreaming(u + c) : make_uint4(0, 0, 0, 0);
                }
#pragma unroll
                for (int j = 0; j < kBatch / 2; ++j) {
                    const int c = c0 + 32 * j;
                    if (c < nc) {
                        sg += dot8(wg[j], xs[c]);
                        su += dot8(wu[j], xs[c]);
                    }
                }
            }
            sg = warpSum(sg);
            su = warpSum(su);
            if (lane == 0) {
                p.h_ws[static_cast<size_t>(slot) * p.inter + i] = s_weight[slot] * silu(sg) * su;
                __threadfence();  // h row visible device-wide before the item is counted
            }
            countDone(&p.sync_ws[kHDone]);
        } else {
            // ---- down: warps 2r, 2r+1 compute output row o, each over half of the (slot, chunk) list ----
            if (!h_ready) {
                waitFor(&p.sync_ws[kHDone], n_h);
                if (!routing_known) {
                    if (threadIdx.x < p.top_k) {
                        s_expert[threadIdx.x] = __ldcg(p.topk_ids + threadIdx.x);
                        s_weight[threadIdx.x] = __ldcg(p.topk_weights + threadIdx.x);
                    }
                    routing_known = true;
                }
                const int n4 = n_slots * p.inter / 4;
                for (int q = threadIdx.x; q < n4; q += kThreads)
                    reinterpret_cast<float4*>(hs)[q] = __ldcg(reinterpret_cast<const float4*>(p.h_ws) + q);
                __syncthreads();
                h_ready = true;
            }
            const int o = (item - b_down) * kRows2 + warp / kWarpsPerRow2;
            const int k0 = (warp % kWarpsPerRow2) * 32 + lane;
            constexpr int kStep = 32 * kWarpsPerRow2;
            int slot = k0 / nc2, c = k0 - slot * nc2;
            float acc = 0.f;
            while (slot < n_slots) {
                uint4 wv[kBatch];
                int hoff[kBatch];
#pragma unroll
                for (int j = 0; j < kBatch; ++j) {
                    hoff[j] = -1;
                    if (slot < n_slots) {
                        const uint4* row = reinterpret_cast<const uint4*>(
                            p.w2 + (static_cast<size_t>(s_expert[slot]) * p.hidden + o) * p.inter);
                        wv[j] = loadStreaming(row + c);
                        hoff[j] = slot * p.inter + c * 8;
                        c += kStep;
                        while (c >= nc2 && slot < n_slots) { c -= nc2; ++slot; }
                    }
                }
#pragma unroll
                for (int j = 0; j < kBatch; ++j)
                    if (hoff[j] >= 0) {
                        const float4* h4 = reinterpret_cast<const float4*>(hs + hoff[j]);
                        acc += dot8f(wv[j], h4[0], h4[1]);
                    }
            }
            acc = warpSum(acc);
            if (lane == 0) s_part[warp] = acc;
            __syncthreads();
            if (threadIdx.x < kRows2) {
                const int row = (item - b_down) * kRows2 + threadIdx.x;
                float v = 0.f;
#pragma unroll
                for (int j = 0; j < kWarpsPerRow2; ++j) v += s_part[threadIdx.x * kWarpsPerRow2 + j];
                if (p.out_f32) {
                    p.out_f32[row] = p.accumulate ? p.out_f32[row] + v : v;
                } else {
                    const float prev = p.accumulate ? __bfloat162float(p.out_bf16[row]) : 0.f;
                    p.out_bf16[row] = __float2bfloat16(prev + v);
                }
            }
        }
        __syncthreads();  // s_item and s_part are reused by the next item
    }

    // The last block out resets the counters so the next launch (next layer, next graph replay) starts at 0.
    if (threadIdx.x == 0 && atomicAdd(&p.sync_ws[kBlocksDone], 1) == static_cast<int>(gridDim.x) - 1) {
        p.sync_ws[kQueue] = 0;
        p.sync_ws[kHDone] = 0;
        p.sync_ws[kBlocksDone] = 0;
        p.sync_ws[kRouterDone] = 0;
        p.sync_ws[kRouted] = 0;
    }
}

}  // namespace

void launchMoeExpertDecode(const MoeExpertDecodeParams& p, cudaStream_t stream)
{
    using detail::require;
    const char* op = "moe_expert_decode";
    const int n_slots = p.top_k + p.n_shared_slots;
    require(p.x && p.w13 && p.w2 && p.h_ws && p.sync_ws, op, "a required pointer is null");
    require((p.out_f32 != nullptr) != (p.out_bf16 != nullptr), op, "exactly one of out_f32 and out_bf16 must be set");
    require(p.top_k >= 0 && p.n_shared_slots >= 0 && n_slots >= 1 && n_slots <= kMaxSlots, op,
            "top_k + n_shared_slots = " + std::to_string(n_slots) + " must be in 1..32");
    require(p.top_k == 0 || (p.topk_ids && p.topk_weights), op, "topk_ids/topk_weights are null");
    require(p.hidden > 0 && p.hidden % 8 == 0, op, "hidden " + std::to_string(p.hidden) + " must be a multiple of 8");
    require(p.inter > 0 && p.inter % 64 == 0, op, "inter " + std::to_string(p.inter) + " must be a multiple of 64");
    require(detail::aligned16(p.x) && detail::aligned16(p.w13) && detail::aligned16(p.w2) && detail::aligned16(p.h_ws),
            op, "x, w13, w2 and h_ws must be 16-byte aligned");
    if (p.gate_w) {
        require(p.logits_ws && p.x_f32 && detail::aligned16(p.gate_w) && detail::aligned16(p.x_f32), op,
                "fused routing needs logits_ws, x_f32, and 16-byte aligned gate_w and x_f32");
        detail::checkFusedRouting(op, p.n_routed, p.top_k, p.method, p.n_group, p.topk_group);
    }

    const size_t smem = static_cast<size_t>(p.hidden) * 2 + static_cast<size_t>(n_slots) * p.inter * 4;
    const long long items = static_cast<long long>(n_slots) * (p.inter / kWarps) + p.hidden / kRows2 +
                            (p.gate_w ? (p.n_routed + kWarps - 1) / kWarps + 1 : 0);
    const int per_sm_total =
        detail::residentBlocks(expertDecodeKernel, kThreads, smem, 1024, op, "hidden*2 + (top_k + n_shared_slots)*inter*4");
    // More blocks than fit at once would only queue behind the resident ones (which drain the queue).
    const int grid = static_cast<int>(std::min<long long>(items, per_sm_total));
    launchOverlapped(expertDecodeKernel, dim3(grid), dim3(kThreads), smem, stream, p);
    detail::checkLaunch(op);
}

}  // namespace fathom::kernels
