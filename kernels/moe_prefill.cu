// Prefill MoE: (1) one block counts assignments per expert and hands out sorted positions,
// (2) grouped GEMM x·w13ᵀ with SwiGLU in the epilogue, (3) grouped GEMM h·w2ᵀ, (4) each token
// gathers its rows with the routing weights in a fixed order (deterministic, no atomics).
//
// The GEMMs are our own tiled bf16 tensor-core kernels (mma.sync m16n8k16, cp.async 3-stage
// pipeline) rather than cublasGemmGroupedBatchedEx: cuBLAS takes the per-group m sizes in host
// arrays, so the tokens-per-expert counts would have to come back to the host each layer (a sync
// that also rules out graph capture). Here each block reads its expert and rows from device memory.
// TODO: a wgmma (sm_90a) + TMA path would raise the compute-bound ceiling for long prompts.
#include "kernels/moe_prefill.cuh"

#include "kernels/moe_common.cuh"

namespace fathom::kernels {
namespace {

constexpr int kSortThreads = 1024;
constexpr int kMaxExperts = 2048;
constexpr int kStages = 3;
using detail::cpAsync16;
using detail::kGemmBK;
using detail::kGemmBM;
using detail::kGemmBN;
using detail::kGemmPad;
using detail::kGemmThreads;

__global__ void __launch_bounds__(kSortThreads) sortKernel(MoePrefillParams p)
{
    __shared__ int cnt[kMaxExperts];
    const int E = p.n_routed + p.n_shared_slots;
    const int S = p.top_k + p.n_shared_slots;
    const int A = p.n_tokens * S;
    for (int e = threadIdx.x; e < E; e += kSortThreads) cnt[e] = 0;
    __syncthreads();
    auto expertOf = [&](int a, int& t) {
        t = a / S;
        const int s = a - t * S;
        return s < p.top_k ? p.topk_ids[static_cast<size_t>(t) * p.top_k + s] : p.n_routed + s - p.top_k;
    };
    for (int a = threadIdx.x; a < A; a += kSortThreads) {
        int t;
        atomicAdd(&cnt[expertOf(a, t)], 1);
    }
    __syncthreads();
    if (threadIdx.x == 0) detail::expertOffsets(cnt, E, p.ws_offsets, p.ws_tile_offsets);
    __syncthreads();
    // Order inside an expert depends on atomics, but every row is computed independently and
    // gathered back by position, so the result does not.
    for (int a = threadIdx.x; a < A; a += kSortThreads) {
        int t;
        const int pos = atomicAdd(&cnt[expertOf(a, t)], 1);
        p.ws_sorted_token[pos] = t;
        p.ws_slot_pos[a] = pos;
    }
}

struct GemmArgs {
    const __nv_bfloat16* a;    // bf16 [rows, K]: x (rows picked through `gather`) or ws_h (sorted rows)
    const int* gather;         // int32 [n_assign] row of `a` for each sorted position, or null
    const __nv_bfloat16* w;    // bf16 [E, N, K]
    __nv_bfloat16* c;          // bf16 [n_assign, ldc]
    const int* offsets;        // int32 [E + 1]
    const int* tile_offsets;   // int32 [E + 1]
    int E, N, K, ldc;
};

// Block (bx, by): 64 sorted rows of one expert × 128 output columns. With kSwiglu the 128 columns are
// 64 gate rows and their 64 up rows (the interleaved w13 layout) and the block writes 64 h columns.
template <bool kSwiglu>
__global__ void __launch_bounds__(kGemmThreads) groupedGemmKernel(GemmArgs g)
{
    __shared__ alignas(16) __nv_bfloat16 As[kStages][kGemmBM][kGemmPad];
    __shared__ alignas(16) __nv_bfloat16 Bs[kStages][kGemmBN][kGemmPad];

    const int bx = blockIdx.x;
    if (bx >= g.tile_offsets[g.E]) return;
    int e, row0, rows;
    detail::expertTile(g.offsets, g.tile_offsets, g.E, bx, e, row0, rows);
    const int n0 = blockIdx.y * kGemmBN;

    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const int wm = warp & 1, wn = warp >> 1;

    // Each thread copies one 16-byte chunk of A and two of B per stage.
    const int ar = tid >> 2, ach = tid & 3;
    const bool a_valid = ar < rows;
    const size_t a_row = a_valid ? (g.gather ? static_cast<size_t>(g.gather[row0 + ar]) : static_cast<size_t>(row0 + ar)) : 0;
    const __nv_bfloat16* a_src = g.a + a_row * g.K + ach * 8;
    const __nv_bfloat16* b_src0 = g.w + (static_cast<size_t>(e) * g.N + n0 + ar) * g.K + ach * 8;
    const __nv_bfloat16* b_src1 = b_src0 + static_cast<size_t>(64) * g.K;

    auto loadStage = [&](int stage, int kt) {
        const int k0 = kt * kGemmBK;
        cpAsync16(&As[stage][ar][ach * 8], a_src + k0, a_valid);
        cpAsync16(&Bs[stage][ar][ach * 8], b_src0 + k0, true);
        cpAsync16(&Bs[stage][ar + 64][ach * 8], b_src1 + k0, true);
    };

    float acc[2][4][4] = {};
    const int KT = g.K / kGemmBK;
#pragma unroll
    for (int s = 0; s < kStages - 1; ++s) {
        if (s < KT) loadStage(s, s);
        asm volatile("cp.async.commit_group;\n");
    }
    // Columns of this warp's two 16-wide B blocks: matching gate/up blocks for SwiGLU.
    const int nb0 = kSwiglu ? 16 * wn : 32 * wn;
    const int nb1 = kSwiglu ? 64 + 16 * wn : 32 * wn + 16;

    for (int kt = 0; kt < KT; ++kt) {
        asm volatile("cp.async.wait_group %0;\n" ::"n"(kStages - 2));
        __syncthreads();
        if (kt + kStages - 1 < KT) loadStage((kt + kStages - 1) % kStages, kt + kStages - 1);
        asm volatile("cp.async.commit_group;\n");
        const int st = kt % kStages;
        detail::mmaKStep(acc, As[st], Bs[st], wm, nb0, nb1, lane);
    }
    asm volatile("cp.async.wait_group 0;\n");
    detail::storeTile<kSwiglu>(acc, g.c, g.ldc, row0, rows, blockIdx.y, wm, wn, nb0, nb1, lane);
}

// out[t] (+)= Σ_s weight_s · y[pos(t, s)], one block per token, 8 columns per thread.
__global__ void __launch_bounds__(256) combineKernel(MoePrefillParams p)
{
    const int t = blockIdx.x;
    const int S = p.top_k + p.n_shared_slots;
    const int nc = p.hidden / 8;
    for (int c = threadIdx.x; c < nc; c += 256) {
        float acc[8] = {};
        for (int s = 0; s < S; ++s) {
            const int pos = p.ws_slot_pos[static_cast<size_t>(t) * S + s];
            const float w = s < p.top_k ? p.topk_weights[static_cast<size_t>(t) * p.top_k + s] : 1.0f;
            const uint4 y = __ldg(reinterpret_cast<const uint4*>(p.ws_y + static_cast<size_t>(pos) * p.hidden) + c);
            detail::accumulateBf16x8(acc, w, y);
        }
        const size_t base = static_cast<size_t>(t) * p.hidden + static_cast<size_t>(c) * 8;
        detail::storeCombined(acc, p.out_f32, p.out_bf16, p.accumulate, base);
    }
}

}  // namespace

void launchMoePrefill(const MoePrefillParams& p, cudaStream_t stream)
{
    using detail::require;
    const char* op = "moe_prefill";
    const int E = p.n_routed + p.n_shared_slots;
    const int S = p.top_k + p.n_shared_slots;
    require(p.x && p.w13 && p.w2 && p.ws_sorted_token && p.ws_slot_pos && p.ws_offsets && p.ws_tile_offsets &&
                p.ws_h && p.ws_y,
            op, "a required pointer is null");
    require((p.out_f32 != nullptr) != (p.out_bf16 != nullptr), op, "exactly one of out_f32 and out_bf16 must be set");
    require(p.top_k >= 0 && p.n_shared_slots >= 0 && S >= 1 && E <= kMaxExperts, op,
            "top_k/n_routed/n_shared_slots out of range (n_routed + n_shared_slots must be at most 2048)");
    require(p.top_k == 0 || (p.topk_ids && p.topk_weights), op, "topk_ids/topk_weights are null");
    require(p.hidden > 0 && p.hidden % kGemmBN == 0, op, "hidden " + std::to_string(p.hidden) + " must be a multiple of 128");
    require(p.inter > 0 && p.inter % 64 == 0, op, "inter " + std::to_string(p.inter) + " must be a multiple of 64");
    require(p.n_tokens >= 0 && static_cast<long long>(p.n_tokens) * S < (1LL << 31) / 2, op, "too many tokens");
    require(detail::aligned16(p.x) && detail::aligned16(p.w13) && detail::aligned16(p.w2) && detail::aligned16(p.ws_h) &&
                detail::aligned16(p.ws_y) && (!p.out_f32 || detail::aligned16(p.out_f32)) &&
                (!p.out_bf16 || detail::aligned16(p.out_bf16)),
            op, "x, weights, workspaces and out must be 16-byte aligned");
    if (p.n_tokens == 0) return;

    sortKernel<<<1, kSortThreads, 0, stream>>>(p);
    detail::checkLaunch(op);

    const int n_assign = p.n_tokens * S;
    const int mtiles = n_assign / kGemmBM + E + 1;  // bound on Σ_e ceil(count_e / 64); extra blocks exit at once
    GemmArgs up{p.x, p.ws_sorted_token, p.w13, p.ws_h, p.ws_offsets, p.ws_tile_offsets, E, 2 * p.inter, p.hidden, p.inter};
    groupedGemmKernel<true><<<dim3(mtiles, up.N / kGemmBN), kGemmThreads, 0, stream>>>(up);
    detail::checkLaunch(op);
    GemmArgs down{p.ws_h, nullptr, p.w2, p.ws_y, p.ws_offsets, p.ws_tile_offsets, E, p.hidden, p.inter, p.hidden};
    groupedGemmKernel<false><<<dim3(mtiles, down.N / kGemmBN), kGemmThreads, 0, stream>>>(down);
    detail::checkLaunch(op);
    combineKernel<<<p.n_tokens, 256, 0, stream>>>(p);
    detail::checkLaunch(op);
}

}  // namespace fathom::kernels
