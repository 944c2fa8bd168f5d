// Fused decode experts: a persistent grid takes work items from an atomic queue. Items
// [0, n1) compute 8 rows of h = w * SiLU(gate·x) * (up·x) each; items [n1, n1+n2) compute 4 rows
// of out = Σ_slots down_e · h_e each, after waiting for every h row (items are handed out in
// order, so every h item is already running when someone waits: no deadlock). The sum over
// experts runs in a fixed order inside one warp pair, so the result is deterministic.
#include "kernels/moe_expert_decode.cuh"

#include <algorithm>
#include <mutex>

#include "kernels/moe_common.cuh"

namespace fathom::kernels {
namespace {

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
constexpr int kRows2 = 4;                   // output rows per down item
constexpr int kWarpsPerRow2 = kWarps / kRows2;
constexpr int kBatch = 8;                   // 16-byte weight loads in flight per lane
constexpr int kMaxSlots = 32;

__global__ void __launch_bounds__(kThreads) expertDecodeKernel(MoeExpertDecodeParams p)
{
    using namespace detail;
    extern __shared__ uint4 smem[];
    uint4* xs = smem;                                       // bf16 [hidden] as 16-byte chunks
    float* hs = reinterpret_cast<float*>(smem + p.hidden / 8);  // fp32 [n_slots, inter], copy of h_ws
    __shared__ int s_expert[kMaxSlots];
    __shared__ float s_weight[kMaxSlots];
    __shared__ float s_part[kWarps];
    __shared__ int s_item;

    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int n_slots = p.top_k + p.n_shared_slots;
    if (threadIdx.x < n_slots) {
        const bool routed = threadIdx.x < p.top_k;
        s_expert[threadIdx.x] = routed ? p.topk_ids[threadIdx.x] : p.n_routed + threadIdx.x - p.top_k;
        s_weight[threadIdx.x] = routed ? p.topk_weights[threadIdx.x] : 1.0f;
    }
    const int nc = p.hidden / 8;
    for (int c = threadIdx.x; c < nc; c += kThreads) xs[c] = __ldg(reinterpret_cast<const uint4*>(p.x) + c);
    __syncthreads();

    const int items_per_slot = p.inter / kWarps;
    const int n1 = n_slots * items_per_slot;
    const int total = n1 + p.hidden / kRows2;
    const int nc2 = p.inter / 8;
    bool h_ready = false;

    for (;;) {
        if (threadIdx.x == 0) s_item = atomicAdd(&p.sync_ws[0], 1);
        __syncthreads();
        const int item = s_item;
        if (item >= total) break;

        if (item < n1) {
            // ---- gate/up: warp `warp` computes intermediate row i of one slot ----
            const int slot = item / items_per_slot;
            const int i = (item - slot * items_per_slot) * kWarps + warp;
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
            __syncthreads();
            if (threadIdx.x == 0) {
                __threadfence();  // release for all 8 rows (ordered before by the barrier)
                atomicAdd(&p.sync_ws[1], 1);
            }
        } else {
            // ---- down: warps 2r, 2r+1 compute output row o, each over half of the (slot, chunk) list ----
            if (!h_ready) {
                if (threadIdx.x == 0) {
                    long long spins = 0;
                    while (atomicAdd(&p.sync_ws[1], 0) < n1) {
                        __nanosleep(100);
                        if (++spins > (1LL << 25)) __trap();  // never expected: fail loudly, not hang
                    }
                    __threadfence();
                }
                __syncthreads();
                const int n4 = n_slots * p.inter / 4;
                for (int k = threadIdx.x; k < n4; k += kThreads)
                    reinterpret_cast<float4*>(hs)[k] = __ldcg(reinterpret_cast<const float4*>(p.h_ws) + k);
                __syncthreads();
                h_ready = true;
            }
            const int o = (item - n1) * kRows2 + warp / kWarpsPerRow2;
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
                const int row = (item - n1) * kRows2 + threadIdx.x;
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

    // The last block out resets the queue so the next launch (next layer, next graph replay) starts at 0.
    if (threadIdx.x == 0 && atomicAdd(&p.sync_ws[2], 1) == static_cast<int>(gridDim.x) - 1) {
        p.sync_ws[0] = 0;
        p.sync_ws[1] = 0;
        p.sync_ws[2] = 0;
    }
}

}  // namespace

void moeExpertDecode(const MoeExpertDecodeParams& p, cudaStream_t stream)
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

    const size_t smem = static_cast<size_t>(p.hidden) * 2 + static_cast<size_t>(n_slots) * p.inter * 4;
    const long long items = static_cast<long long>(n_slots) * (p.inter / kWarps) + p.hidden / kRows2;
    // Device setup (shared-memory opt-in, occupancy) happens once per size, so the launches a
    // backend captures into its decode graph after a warm-up step make no setup calls.
    static std::mutex setup_mutex;
    static size_t smem_enabled = 0, occupancy_smem = 0;
    static int occupancy_blocks = 0;
    int per_sm_total = 0;
    {
        std::lock_guard<std::mutex> lock(setup_mutex);
        if (smem > smem_enabled) {
            int dev = 0, smem_max = 0;
            detail::checkCuda(cudaGetDevice(&dev), op, "cudaGetDevice");
            detail::checkCuda(cudaDeviceGetAttribute(&smem_max, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev), op,
                              "cudaDeviceGetAttribute");
            require(smem + 1024 <= static_cast<size_t>(smem_max), op,
                    "hidden*2 + (top_k + n_shared_slots)*inter*4 = " + std::to_string(smem) +
                        " bytes exceeds shared memory");
            detail::checkCuda(cudaFuncSetAttribute(expertDecodeKernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                                   static_cast<int>(smem)),
                              op, "cudaFuncSetAttribute");
            smem_enabled = smem;
        }
        if (smem != occupancy_smem) {
            int per_sm = 0;
            detail::checkCuda(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, expertDecodeKernel, kThreads, smem),
                              op, "cudaOccupancyMaxActiveBlocksPerMultiprocessor");
            occupancy_blocks = std::max(per_sm, 1) * detail::smCount();
            occupancy_smem = smem;
        }
        per_sm_total = occupancy_blocks;
    }
    // More blocks than fit at once would only queue behind the resident ones (which drain the queue).
    const int grid = static_cast<int>(std::min<long long>(items, per_sm_total));
    expertDecodeKernel<<<grid, kThreads, smem, stream>>>(p);
    detail::checkLaunch(op);
}

}  // namespace fathom::kernels
