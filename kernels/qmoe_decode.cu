// Fused quantized decode experts: kernels/moe_expert_decode's queue design on GGUF-packed weights.
// A persistent grid takes work items from an atomic queue, in this order:
//   [router rows]  (fused routing only) 8 fp32 router logits per item
//   [routing]      (fused routing only) one warp picks the experts once all router rows are in,
//                  while the other blocks already stream the shared expert
//   [shared h]     h = SiLU(gate·x) * (up·x) for the shared expert, 8 rows per item: no routing needed
//   [routed h]     the same for the chosen routed experts, weighted, once the routing is known
//   [down]         out = Σ_slots down_e · h_e, 8 output rows per item (one warp each), once every h is in
// An item only ever waits for items handed out before it, which are all running already, so the
// queue cannot deadlock whatever the grid size. Each output row is summed by one warp in a fixed
// order: the result is deterministic. Weights are dequantized in registers (kernels/qblock.cuh).
// With int8_x the kernel's shared copies of x and h are int8 blocks of 32 with a scale each
// (kernels/qdot8.cuh), quantized as they are staged, and the row dots run on __dp4a.
#include "kernels/qmoe_decode.cuh"

#include <algorithm>
#include <mutex>

#include "kernels/common.cuh"
#include "kernels/moe_common.cuh"
#include "kernels/moe_route_device.cuh"
#include "kernels/qdot.cuh"
#include "kernels/qdot8.cuh"

namespace fathom::kernels {
namespace {

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
constexpr int kMaxSlots = 32;
constexpr int kMaxHidden = 16384;

// The work queue's counters (sync_ws slots) and its waits: kernels/moe_common.cuh.
using detail::countDone;
using detail::kBlocksDone;
using detail::kHDone;
using detail::kQueue;
using detail::kRouted;
using detail::kRouterDone;
using detail::waitFor;

// The router's fp32 row dot with the fp32 hidden state (both from global memory, x stays in L1).
// Unrolled so a lane has all 16 of its loads (hidden 2048) in flight: the routed experts' items
// wait for the router, so its latency is on every layer's critical path.
__device__ float rowDotF32(const float4* w, const float4* x, int nc4, int lane)
{
    float s = 0.f;
#pragma unroll 16
    for (int c = lane; c < nc4; c += 32) {
        const float4 wv = __ldg(w + c), xv = __ldg(x + c);
        s += wv.x * xv.x + wv.y * xv.y + wv.z * xv.z + wv.w * xv.w;
    }
    return warpSum(s);
}

__device__ __forceinline__ const unsigned char* rowOf(const QMatrix& m, long long r)
{
    return static_cast<const unsigned char*>(m.data) + r * m.row_bytes;
}

// Rows of h one warp computes per item: two with x in registers (kNB > 0), else one.
constexpr int rowsPerWarp(int nb) { return nb > 0 ? 2 : 1; }

// gate/up rows [i0, i0 + R) of one slot with x in registers (see laneGateUp8), type chosen at run time.
template <int R, int NB>
__device__ __forceinline__ void gateUpRegs(WType t, const unsigned char* gate, const unsigned char* up, long long gateRb,
                                           long long upRb, long long row0, long long rowLast, const int (&xq)[NB][8],
                                           const float (&xd)[NB], const int (&xs)[NB], int lane, float (&sg)[R], float (&su)[R])
{
    switch (t) {
    case WType::Q8_0: qblock::laneGateUp8<WType::Q8_0, R, NB>(gate, up, gateRb, upRb, row0, rowLast, xq, xd, xs, lane, sg, su); break;
    case WType::Q5_0: qblock::laneGateUp8<WType::Q5_0, R, NB>(gate, up, gateRb, upRb, row0, rowLast, xq, xd, xs, lane, sg, su); break;
    case WType::Q4_K: qblock::laneGateUp8<WType::Q4_K, R, NB>(gate, up, gateRb, upRb, row0, rowLast, xq, xd, xs, lane, sg, su); break;
    case WType::Q6_K: qblock::laneGateUp8<WType::Q6_K, R, NB>(gate, up, gateRb, upRb, row0, rowLast, xq, xd, xs, lane, sg, su); break;
    default: break;
    }
}

// Two blocks per SM at 128 registers: each lane keeps 6 weight groups in flight (3 per row for
// gate+up, kernels/qblock.cuh), without spills. Left alone ptxas takes 168 registers (one block per
// SM); capped at 64 it spills. kNB > 0 (int8 only, hidden = 1024 · kNB): each lane keeps its kNB x
// blocks in registers and a warp computes two h rows per item.
//
// Thread 0 takes the block's next item from the queue while the block works on the current one,
// so the atomic's round trip overlaps the work (items are only ever taken by running blocks, so
// the smallest unfinished item is always held by a block that can run it: no deadlock, whatever
// the grid). An h item is counted done once, by thread 0 after the item's closing barrier: one
// atomic per item (a count per warp made 8 times as many atomics on one address, which queue).
template <bool kInt8, int kNB>
__global__ void __launch_bounds__(kThreads, 2) qmoeDecodeKernel(QMoeDecodeParams p)
{
    gridDependencyBegin();  // programmatic dependent launch: kernels/common.cuh
    using detail::silu;
    constexpr int kRows = rowsPerWarp(kNB), kItemRows = kWarps * kRows;
    extern __shared__ float4 smem4[];
    float* xs = reinterpret_cast<float*>(smem4);  // fp32 [hidden]
    float* hs = xs + p.hidden;                    // fp32 [h_total], copy of h_ws
    // kInt8 instead: int8 x and h in 32-element blocks (hb = hidden / 32, hbt = h_total / 32 blocks):
    // xq int4 [2 hb], hq int4 [2 hbt], then x scales fp32 [hb], h scales fp32 [hbt], x block sums
    // int32 [hb], h block sums int32 [hbt] (kernels/qdot8.cuh's layout).
    const int hb = p.hidden / 32, hbt = (p.top_k * p.routed.inter + p.n_shared * p.shared.inter) / 32;
    int4* xq = reinterpret_cast<int4*>(smem4);
    int4* hq = xq + 2 * hb;
    float* xd = reinterpret_cast<float*>(hq + 2 * hbt);
    float* hd = xd + hb;
    int* xsum = reinterpret_cast<int*>(hd + hbt);
    int* hsum = xsum + hb;
    __shared__ int s_expert[kMaxSlots];
    __shared__ float s_weight[kMaxSlots];

    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int n_slots = p.top_k + p.n_shared;
    const bool fused = p.gate_w != nullptr;
    const int inter_r = p.routed.inter, inter_s = p.shared.inter;
    if (threadIdx.x < n_slots) {
        const bool routed = threadIdx.x < p.top_k;
        s_expert[threadIdx.x] = routed ? (fused ? 0 : p.topk_ids[threadIdx.x]) : 0;
        s_weight[threadIdx.x] = routed ? (fused ? 0.f : p.topk_weights[threadIdx.x]) : 1.0f;
    }
    if constexpr (kInt8) {
        if (p.x_q8) {  // quantized once by the norm before this launch: copied
            const qblock::Q8View v = qblock::q8View(const_cast<void*>(p.x_q8), p.hidden);
            for (int i = threadIdx.x; i < 8 * hb; i += kThreads)
                reinterpret_cast<int*>(xq)[i] = __ldg(v.q + i);
            for (int j = threadIdx.x; j < hb; j += kThreads) {
                xd[j] = __ldg(v.d + j);
                xsum[j] = __ldg(v.sum + j);
            }
        } else {
            qblock::quantizeToShared(hb, [&p](int j, float v[32]) {
                const float4* src = reinterpret_cast<const float4*>(p.x) + 8 * j;
#pragma unroll
                for (int k = 0; k < 8; ++k) {
                    const float4 f = __ldg(src + k);
                    v[4 * k] = f.x; v[4 * k + 1] = f.y; v[4 * k + 2] = f.z; v[4 * k + 3] = f.w;
                }
            }, xq, xd, xsum);
        }
    } else {
        for (int c = threadIdx.x; c < p.hidden / 4; c += kThreads)
            smem4[c] = __ldg(reinterpret_cast<const float4*>(p.x) + c);
    }
    __syncthreads();
    // kNB > 0: this lane's x blocks lane, lane + 32, ... in registers for every gate/up row.
    constexpr int kRegBlocks = kNB > 0 ? kNB : 1;
    int rq[kRegBlocks][8], rs[kRegBlocks];
    float rd[kRegBlocks];
    if constexpr (kNB > 0) {
#pragma unroll
        for (int k = 0; k < kNB; ++k) {
            const int j = lane + 32 * k;
            const int4 a = xq[2 * j], b = xq[2 * j + 1];
            rq[k][0] = a.x; rq[k][1] = a.y; rq[k][2] = a.z; rq[k][3] = a.w;
            rq[k][4] = b.x; rq[k][5] = b.y; rq[k][6] = b.z; rq[k][7] = b.w;
            rd[k] = xd[j];
            rs[k] = xsum[j];
        }
    }

    // h_ws layout: routed slot s at s * inter_r, then the shared expert at top_k * inter_r.
    const int shared_off = p.top_k * inter_r;
    const int h_total = shared_off + p.n_shared * inter_s;
    const int ipr = (inter_r + kItemRows - 1) / kItemRows;  // h items per routed slot
    const int ips = (inter_s + kItemRows - 1) / kItemRows;  // h items of the shared expert
    const int n_router = fused ? (p.n_routed + kWarps - 1) / kWarps : 0;
    const int b_route = n_router;                           // the routing item (fused)
    const int b_shared = b_route + (fused ? 1 : 0);         // first shared-h item
    const int b_routed = b_shared + p.n_shared * ips;       // first routed-h item
    const int b_down = b_routed + p.top_k * ipr;            // first down item
    const int total = b_down + (p.hidden + kWarps - 1) / kWarps;
    const int n_h = b_down - b_shared;                      // h items
    const int hgroups = p.hidden / 8;
    bool routing_known = !fused;
    bool h_ready = false;

    __shared__ int s_item[2];
    if (threadIdx.x == 0)
        s_item[0] = atomicAdd(&p.sync_ws[kQueue], 1);
    __syncthreads();
    for (int item = s_item[0], buf = 0; item < total; buf ^= 1) {
        if (threadIdx.x == 0)
            s_item[buf ^ 1] = atomicAdd(&p.sync_ws[kQueue], 1);
        if (item < b_route) {
            // ---- router logits: warp `warp` computes row r ----
            const int r = item * kWarps + warp;
            if (r < p.n_routed) {
                const float l = rowDotF32(reinterpret_cast<const float4*>(p.gate_w + static_cast<size_t>(r) * p.hidden),
                                          reinterpret_cast<const float4*>(p.x), p.hidden / 4, lane);
                if (lane == 0) {
                    p.logits_ws[r] = l;
                    __threadfence();
                }
            }
            countDone(&p.sync_ws[kRouterDone]);
        } else if (item == b_route && fused) {
            // ---- routing: one warp, from all router logits ----
            __shared__ float s_score[detail::kMaxRouteExperts];
            __shared__ float s_choice[detail::kMaxRouteExperts];
            waitFor(&p.sync_ws[kRouterDone], n_router);
            if (warp == 0) {
                for (int i = lane; i < p.n_routed; i += 32) s_score[i] = __ldcg(p.logits_ws + i);
                __syncwarp();
                detail::routeOneToken(p, s_score, s_choice, p.topk_ids, p.topk_weights);
                __threadfence();
            }
            countDone(&p.sync_ws[kRouted]);
        } else if (item < b_down) {
            // ---- gate/up: warp `warp` computes kRows intermediate rows of one slot ----
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
            const int per = routed_item ? ipr : ips;
            const int slot = routed_item ? k / per : p.top_k;
            const int inter = routed_item ? inter_r : inter_s;
            const int i0 = (k % per) * kItemRows + warp * kRows;
            if (i0 < inter) {
                // Fields picked one by one: a reference to either group would copy the params to local memory.
                const long long base = routed_item ? static_cast<long long>(s_expert[slot]) * inter : 0;
                const WType type = routed_item ? p.routed.gate.type : p.shared.gate.type;
                const long long gate_rb = routed_item ? p.routed.gate.row_bytes : p.shared.gate.row_bytes;
                const long long up_rb = routed_item ? p.routed.up.row_bytes : p.shared.up.row_bytes;
                const auto* gate = static_cast<const unsigned char*>(routed_item ? p.routed.gate.data : p.shared.gate.data);
                const auto* up = static_cast<const unsigned char*>(routed_item ? p.routed.up.data : p.shared.up.data);
                float sg[kRows], su[kRows];
#pragma unroll
                for (int r = 0; r < kRows; ++r)
                    sg[r] = su[r] = 0.f;
                if constexpr (kNB > 0) {
                    gateUpRegs<kRows, kRegBlocks>(type, gate, up, gate_rb, up_rb, base + i0, base + inter - 1, rq, rd, rs,
                                                  lane, sg, su);
                } else if constexpr (kInt8) {
                    qblock::laneRowDot8Any(type, gate + (base + i0) * gate_rb, up + (base + i0) * up_rb, hb, xq, xd, xsum,
                                           lane, sg[0], su[0]);
                } else {
                    qblock::laneRowDotAny(type, gate + (base + i0) * gate_rb, up + (base + i0) * up_rb, hgroups, xs, lane,
                                          sg[0], su[0]);
                }
                const int off = routed_item ? slot * inter_r : shared_off;
#pragma unroll
                for (int r = 0; r < kRows; ++r) {
                    const float g = warpSum(sg[r]), u = warpSum(su[r]);
                    if (lane == 0 && i0 + r < inter)
                        p.h_ws[off + i0 + r] = s_weight[slot] * silu(g) * u;
                }
                if (lane == 0)
                    __threadfence();  // this warp's h rows visible device-wide before the item is counted
            }
        } else {
            // ---- down: warp `warp` computes output row o over every slot ----
            if (!h_ready) {
                waitFor(&p.sync_ws[kHDone], n_h);
                if (!routing_known) {
                    if (threadIdx.x < p.top_k) {
                        s_expert[threadIdx.x] = __ldcg(p.topk_ids + threadIdx.x);
                        s_weight[threadIdx.x] = __ldcg(p.topk_weights + threadIdx.x);
                    }
                    routing_known = true;
                }
                if constexpr (kInt8) {
                    // Every slot's h starts at a multiple of 32 (inter is), so blocks never straddle slots.
                    qblock::quantizeToShared(hbt, [&p](int j, float v[32]) {
                        const float4* src = reinterpret_cast<const float4*>(p.h_ws) + 8 * j;
#pragma unroll
                        for (int k = 0; k < 8; ++k) {
                            const float4 f = __ldcg(src + k);
                            v[4 * k] = f.x; v[4 * k + 1] = f.y; v[4 * k + 2] = f.z; v[4 * k + 3] = f.w;
                        }
                    }, hq, hd, hsum);
                } else {
                    for (int q = threadIdx.x; q < h_total / 4; q += kThreads)
                        reinterpret_cast<float4*>(hs)[q] = __ldcg(reinterpret_cast<const float4*>(p.h_ws) + q);
                }
                __syncthreads();
                h_ready = true;
            }
            const int o = (item - b_down) * kWarps + warp;
            if (o < p.hidden) {
                float acc = 0.f, unused = 0.f;
                if constexpr (kInt8) {
                    const int br = inter_r / 32, bs = inter_s / 32, b0 = shared_off / 32;
                    if (p.top_k)
                        acc = qblock::laneSlotsDot8Any(p.routed.down.type, static_cast<const unsigned char*>(p.routed.down.data),
                                                       p.routed.down.row_bytes, s_expert, p.top_k, p.hidden, o, br, hq,
                                                       hd, hsum, lane);
                    if (p.n_shared)
                        acc += qblock::laneSlotsDot8Any(p.shared.down.type, static_cast<const unsigned char*>(p.shared.down.data),
                                                        p.shared.down.row_bytes, nullptr, 1, p.hidden, o, bs, hq + 2 * b0,
                                                        hd + b0, hsum + b0, lane);
                } else {
                    for (int slot = 0; slot < p.top_k; ++slot)
                        qblock::laneRowDotAny(p.routed.down.type,
                                               rowOf(p.routed.down, static_cast<long long>(s_expert[slot]) * p.hidden + o),
                                               nullptr, inter_r / 8, hs + slot * inter_r, lane, acc, unused);
                    if (p.n_shared)
                        qblock::laneRowDotAny(p.shared.down.type, rowOf(p.shared.down, o), nullptr, inter_s / 8,
                                               hs + shared_off, lane, acc, unused);
                }
                acc = warpSum(acc);
                if (lane == 0)
                    p.out[o] = p.accumulate ? p.out[o] + acc : acc;
            }
        }
        __syncthreads();  // the next item (s_item[buf ^ 1]) is in; s_item[buf] may be overwritten
        if (threadIdx.x == 0 && item >= b_shared && item < b_down) {  // an h item: every warp's rows are written
            __threadfence();
            atomicAdd(&p.sync_ws[kHDone], 1);
        }
        item = s_item[buf ^ 1];
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

// The checks one expert group must pass: gate/up [n*inter, hidden] of one type, down [n*hidden, inter].
void checkGroup(const QMoeExperts& g, int n, int hidden, const char* op, const char* name)
{
    const std::string what = std::string(name) + " ";
    require(g.inter > 0 && g.inter % 8 == 0, op, what + "inter " + std::to_string(g.inter) + " must be a positive multiple of 8");
    for (const auto& [m, label] : {std::pair{&g.gate, "gate"}, std::pair{&g.up, "up"}, std::pair{&g.down, "down"}}) {
        const std::string problem = qmatrixProblem(*m);
        require(problem.empty(), op, what + label + ": " + problem);
    }
    require(g.gate.type == g.up.type, op, what + "gate and up must have the same type");
    const long long rows = static_cast<long long>(n) * g.inter;
    require(g.gate.rows == rows && g.up.rows == rows && g.gate.cols == hidden && g.up.cols == hidden, op,
            what + "gate/up must be [" + std::to_string(rows) + ", " + std::to_string(hidden) + "]");
    require(g.down.rows == static_cast<long long>(n) * hidden && g.down.cols == g.inter, op,
            what + "down must be [" + std::to_string(static_cast<long long>(n) * hidden) + ", " + std::to_string(g.inter) +
                "]");
}

}  // namespace

void launchQMoeDecode(const QMoeDecodeParams& p, cudaStream_t stream)
{
    const char* op = "qmoe_decode";
    require(p.x && p.out && p.h_ws && p.sync_ws, op, "x, out, h_ws and sync_ws must be set");
    require(aligned16(p.x) && aligned16(p.out) && aligned16(p.h_ws) && (!p.x_q8 || aligned16(p.x_q8)), op,
            "x, x_q8, out and h_ws must be 16-byte aligned");
    require(p.hidden > 0 && p.hidden % 8 == 0 && p.hidden <= kMaxHidden, op,
            "hidden " + std::to_string(p.hidden) + " must be a multiple of 8, at most 16384");
    require(p.n_shared == 0 || p.n_shared == 1, op, "n_shared must be 0 or 1 (the shared experts form one MLP)");
    require(p.top_k >= 0 && p.n_routed >= 0 && (p.top_k == 0) == (p.n_routed == 0) && p.top_k <= 16, op,
            "top_k " + std::to_string(p.top_k) + " must be in 1..16 with routed experts, 0 without");
    require(p.top_k + p.n_shared >= 1, op, "no experts: top_k and n_shared are both 0");
    if (p.top_k) {
        require(p.topk_ids && p.topk_weights, op, "topk_ids/topk_weights are null");
        checkGroup(p.routed, p.n_routed, p.hidden, op, "routed");
    }
    if (p.n_shared)
        checkGroup(p.shared, 1, p.hidden, op, "shared");
    if (p.gate_w) {
        require(p.logits_ws && aligned16(p.gate_w), op, "fused routing needs logits_ws and a 16-byte aligned gate_w");
        detail::checkFusedRouting(op, p.n_routed, p.top_k, p.method, p.n_group, p.topk_group);
    }

    const int inter_r = p.top_k ? p.routed.inter : 0, inter_s = p.n_shared ? p.shared.inter : 0;
    const size_t h_total = static_cast<size_t>(p.top_k) * inter_r + inter_s;
    // The int8 path when asked for and every matrix in play has an int8 block dot (qdot8.cuh).
    auto int8Group = [](const QMoeExperts& g) {
        return qblock::int8Capable(g.gate.type) && qblock::int8Capable(g.down.type) && g.inter % 32 == 0;
    };
    const bool int8 = p.int8_x && p.hidden % 32 == 0 && (!p.top_k || int8Group(p.routed)) &&
                      (!p.n_shared || int8Group(p.shared));
    // fp32 x and h, or 40 bytes per 32 elements of each (int8 q, fp32 scale, int32 sum).
    const size_t smem = int8 ? (static_cast<size_t>(p.hidden) + h_total) / 32 * 40
                             : (static_cast<size_t>(p.hidden) + h_total) * 4;
    // x in registers where each lane holds exactly two blocks (hidden 2048: V2-Lite, the tiny models).
    const int nb = int8 && p.hidden == 2048 ? 2 : 0;
    const int itemRows = kWarps * rowsPerWarp(nb);
    const long long items = static_cast<long long>(p.top_k) * ((inter_r + itemRows - 1) / itemRows) +
                            (inter_s + itemRows - 1) / itemRows + (p.hidden + kWarps - 1) / kWarps +
                            (p.gate_w ? (p.n_routed + kWarps - 1) / kWarps + 1 : 0);
    auto kernel = nb ? qmoeDecodeKernel<true, 2> : int8 ? qmoeDecodeKernel<true, 0> : qmoeDecodeKernel<false, 0>;
    const char* need = "(hidden + top_k*routed.inter + shared.inter)*4";
    const int resident = nb     ? detail::residentBlocks<decltype(kernel), 2>(kernel, kThreads, smem, 4096, op, need)
                         : int8 ? detail::residentBlocks<decltype(kernel), 1>(kernel, kThreads, smem, 4096, op, need)
                                : detail::residentBlocks(kernel, kThreads, smem, 4096, op, need);
    // More blocks than fit at once would only queue behind the resident ones (which drain the queue).
    const int grid = static_cast<int>(std::min<long long>(items, resident));
    launchOverlapped(kernel, dim3(grid), dim3(kThreads), smem, stream, p);
    checkLaunch(op);
}

}  // namespace fathom::kernels
