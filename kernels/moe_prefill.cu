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
constexpr int kBM = 64, kBN = 128, kBK = 32, kStages = 3;
constexpr int kPad = 40;  // smem row pitch in bf16: 80 bytes keeps ldmatrix rows on distinct banks
constexpr int kGemmThreads = 256;

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
    if (threadIdx.x == 0) {
        int off = 0, tiles = 0;
        for (int e = 0; e < E; ++e) {
            const int c = cnt[e];
            p.ws_offsets[e] = off;
            p.ws_tile_offsets[e] = tiles;
            cnt[e] = off;  // becomes the next free position of expert e
            off += c;
            tiles += (c + kBM - 1) / kBM;
        }
        p.ws_offsets[E] = off;
        p.ws_tile_offsets[E] = tiles;
    }
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

__device__ __forceinline__ void cpAsync16(void* smem, const void* gmem, bool valid)
{
    const unsigned s = static_cast<unsigned>(__cvta_generic_to_shared(smem));
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(s), "l"(gmem), "r"(valid ? 16 : 0));
}

__device__ __forceinline__ void ldmatrixX4(unsigned (&r)[4], const void* smem)
{
    const unsigned s = static_cast<unsigned>(__cvta_generic_to_shared(smem));
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(s));
}

__device__ __forceinline__ void mma16816(float (&d)[4], const unsigned (&a)[4], unsigned b0, unsigned b1)
{
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
        "{%0,%1,%2,%3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

__device__ __forceinline__ unsigned packBf16(float lo, float hi)
{
    const __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
    return *reinterpret_cast<const unsigned*>(&v);
}

// Block (bx, by): 64 sorted rows of one expert × 128 output columns. With kSwiglu the 128 columns are
// 64 gate rows and their 64 up rows (the interleaved w13 layout) and the block writes 64 h columns.
template <bool kSwiglu>
__global__ void __launch_bounds__(kGemmThreads) groupedGemmKernel(GemmArgs g)
{
    __shared__ alignas(16) __nv_bfloat16 As[kStages][kBM][kPad];
    __shared__ alignas(16) __nv_bfloat16 Bs[kStages][kBN][kPad];

    const int bx = blockIdx.x;
    if (bx >= g.tile_offsets[g.E]) return;
    int lo = 0, hi = g.E - 1;  // expert e with tile_offsets[e] <= bx < tile_offsets[e+1]
    while (lo < hi) {
        const int mid = (lo + hi + 1) / 2;
        if (g.tile_offsets[mid] <= bx) lo = mid; else hi = mid - 1;
    }
    const int e = lo;
    const int row0 = g.offsets[e] + (bx - g.tile_offsets[e]) * kBM;
    const int rows = min(kBM, g.offsets[e + 1] - row0);
    const int n0 = blockIdx.y * kBN;

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
        const int k0 = kt * kBK;
        cpAsync16(&As[stage][ar][ach * 8], a_src + k0, a_valid);
        cpAsync16(&Bs[stage][ar][ach * 8], b_src0 + k0, true);
        cpAsync16(&Bs[stage][ar + 64][ach * 8], b_src1 + k0, true);
    };

    float acc[2][4][4] = {};
    const int KT = g.K / kBK;
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
#pragma unroll
        for (int kk = 0; kk < kBK; kk += 16) {
            unsigned af[2][4], bf[2][4];
#pragma unroll
            for (int mi = 0; mi < 2; ++mi)
                ldmatrixX4(af[mi], &As[st][wm * 32 + mi * 16 + (lane & 15)][kk + (lane >> 4) * 8]);
            const int bn = (lane & 7) + ((lane >> 4) << 3), bk = kk + ((lane >> 3) & 1) * 8;
            ldmatrixX4(bf[0], &Bs[st][nb0 + bn][bk]);
            ldmatrixX4(bf[1], &Bs[st][nb1 + bn][bk]);
#pragma unroll
            for (int mi = 0; mi < 2; ++mi)
#pragma unroll
                for (int nj = 0; nj < 4; ++nj)
                    mma16816(acc[mi][nj], af[mi], bf[nj >> 1][(nj & 1) * 2], bf[nj >> 1][(nj & 1) * 2 + 1]);
        }
    }
    asm volatile("cp.async.wait_group 0;\n");

    const int gq = lane >> 2, tq = lane & 3;
#pragma unroll
    for (int mi = 0; mi < 2; ++mi)
#pragma unroll
        for (int half = 0; half < 2; ++half) {
            const int r = wm * 32 + mi * 16 + gq + half * 8;
            if (r >= rows) continue;
            __nv_bfloat16* crow = g.c + static_cast<size_t>(row0 + r) * g.ldc;
            if constexpr (kSwiglu) {
#pragma unroll
                for (int nj = 0; nj < 2; ++nj) {
                    const float* ga = &acc[mi][nj][half * 2];
                    const float* ua = &acc[mi][nj + 2][half * 2];
                    const int col = blockIdx.y * 64 + 16 * wn + 8 * nj + 2 * tq;
                    *reinterpret_cast<unsigned*>(crow + col) =
                        packBf16(detail::silu(ga[0]) * ua[0], detail::silu(ga[1]) * ua[1]);
                }
            } else {
#pragma unroll
                for (int nj = 0; nj < 4; ++nj) {
                    const int col = n0 + (nj < 2 ? nb0 : nb1) + 8 * (nj & 1) + 2 * tq;
                    *reinterpret_cast<unsigned*>(crow + col) = packBf16(acc[mi][nj][half * 2], acc[mi][nj][half * 2 + 1]);
                }
            }
        }
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
            const unsigned yw[4] = {y.x, y.y, y.z, y.w};
#pragma unroll
            for (int j = 0; j < 4; ++j) {
                acc[2 * j] = fmaf(w, detail::bf16lo(yw[j]), acc[2 * j]);
                acc[2 * j + 1] = fmaf(w, detail::bf16hi(yw[j]), acc[2 * j + 1]);
            }
        }
        const size_t base = static_cast<size_t>(t) * p.hidden + static_cast<size_t>(c) * 8;
        if (p.out_f32) {
            float4* o = reinterpret_cast<float4*>(p.out_f32 + base);
            float4 a = make_float4(acc[0], acc[1], acc[2], acc[3]), b = make_float4(acc[4], acc[5], acc[6], acc[7]);
            if (p.accumulate) {
                const float4 pa = o[0], pb = o[1];
                a = make_float4(a.x + pa.x, a.y + pa.y, a.z + pa.z, a.w + pa.w);
                b = make_float4(b.x + pb.x, b.y + pb.y, b.z + pb.z, b.w + pb.w);
            }
            o[0] = a;
            o[1] = b;
        } else {
            uint4* o = reinterpret_cast<uint4*>(p.out_bf16 + base);
            if (p.accumulate) {
                const uint4 prev = *o;
                const unsigned pw[4] = {prev.x, prev.y, prev.z, prev.w};
#pragma unroll
                for (int j = 0; j < 4; ++j) {
                    acc[2 * j] += detail::bf16lo(pw[j]);
                    acc[2 * j + 1] += detail::bf16hi(pw[j]);
                }
            }
            *o = make_uint4(packBf16(acc[0], acc[1]), packBf16(acc[2], acc[3]), packBf16(acc[4], acc[5]),
                            packBf16(acc[6], acc[7]));
        }
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
    require(p.hidden > 0 && p.hidden % kBN == 0, op, "hidden " + std::to_string(p.hidden) + " must be a multiple of 128");
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
    const int mtiles = n_assign / kBM + E + 1;  // bound on Σ_e ceil(count_e / 64); extra blocks exit at once
    GemmArgs up{p.x, p.ws_sorted_token, p.w13, p.ws_h, p.ws_offsets, p.ws_tile_offsets, E, 2 * p.inter, p.hidden, p.inter};
    groupedGemmKernel<true><<<dim3(mtiles, up.N / kBN), kGemmThreads, 0, stream>>>(up);
    detail::checkLaunch(op);
    GemmArgs down{p.ws_h, nullptr, p.w2, p.ws_y, p.ws_offsets, p.ws_tile_offsets, E, p.hidden, p.inter, p.hidden};
    groupedGemmKernel<false><<<dim3(mtiles, down.N / kBN), kGemmThreads, 0, stream>>>(down);
    detail::checkLaunch(op);
    combineKernel<<<p.n_tokens, 256, 0, stream>>>(p);
    detail::checkLaunch(op);
}

}  // namespace fathom::kernels
