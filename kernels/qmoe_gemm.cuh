// The grouped GEMM of qmoe_prefill.cu: moe_prefill's tiling (64 sorted rows × 128 weight rows per
// block, k-steps of 32, mma.sync m16n8k16, ldmatrix), with the weight tile decoded from packed GGUF
// blocks into shared memory instead of copied. Included by qmoe_prefill.cu only.
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/moe_common.cuh"
#include "kernels/qblocks.cuh"

namespace fathom::kernels::qgemm {

// moe_prefill's tile (kernels/moe_common.cuh), with A in 3 cp.async stages.
constexpr int kBM = detail::kGemmBM, kBN = detail::kGemmBN, kBK = detail::kGemmBK, kAStages = 3;
constexpr int kPad = detail::kGemmPad;
constexpr int kThreads = detail::kGemmThreads;
using detail::cpAsync16;
using detail::packBf16;

struct Args {
    const __nv_bfloat16* a;     // bf16 [rows, K]: x (rows picked through `gather`) or h (sorted rows)
    const int* gather;          // int32 [rows] row of `a` for each sorted position, or null
    const std::uint8_t* w0;     // packed [E * N, K]: gate (SwiGLU) or down
    const std::uint8_t* w1;     // packed [E * N, K]: up (SwiGLU only), same type and row_bytes as w0
    std::int64_t row_bytes;     // bytes of one weight row
    __nv_bfloat16* c;           // bf16 [rows, ldc]
    const int* offsets;         // int32 [E + 1] first sorted row per expert, or null: one group of n_rows
    const int* tile_offsets;    // int32 [E + 1] first 64-row tile per expert (with offsets)
    int E, n_rows;
    int N;                      // weight rows per expert: inter (SwiGLU) or hidden (down)
    int K;                      // multiple of 32 and of the weight type's block
    int ldc;
};

// Shared memory of one block: A (activations) in 3 cp.async stages, B (weights) in 2 decoded buffers.
struct Smem {
    alignas(16) __nv_bfloat16 As[kAStages][kBM][kPad];
    alignas(16) __nv_bfloat16 Bs[2][kBN][kPad];
};

// Tile (bx, by): 64 sorted rows of one expert × 128 weight rows. With kSwiglu the 128 rows are 64
// gate rows and the same 64 up rows, and the tile writes 64 columns of SiLU(gate)·up.
// Pipeline: the packed bytes of step kt+2 are loaded into registers while step kt+1's MMAs run,
// then decoded and stored as bf16; A comes through cp.async as in moe_prefill.
template <WType TB, bool kSwiglu>
__device__ __forceinline__ void gemmTile(const Args& g, int bx, int by, Smem& sm)
{
    auto& As = sm.As;
    auto& Bs = sm.Bs;
    using Chunk = typename qblocks::Chunk16<TB>::type;

    int e = 0, row0, rows;
    if (g.offsets) {
        if (bx >= g.tile_offsets[g.E]) return;
        detail::expertTile(g.offsets, g.tile_offsets, g.E, bx, e, row0, rows);
    } else {
        row0 = bx * kBM;
        if (row0 >= g.n_rows) return;
        rows = min(kBM, g.n_rows - row0);
    }

    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const int wm = warp & 1, wn = warp >> 1;

    // Each thread copies one 16-byte chunk of A and decodes 16 elements of one weight row per k-step.
    const int ar = tid >> 2, ach = tid & 3;
    const bool a_valid = ar < rows;
    const size_t a_row = a_valid ? (g.gather ? static_cast<size_t>(g.gather[row0 + ar]) : static_cast<size_t>(row0 + ar)) : 0;
    const __nv_bfloat16* a_src = g.a + a_row * g.K + ach * 8;
    const int br = tid >> 1, bc = (tid & 1) * 16;  // tile row 0..127, first of its 16 columns
    const std::uint8_t* b_row;
    if constexpr (kSwiglu) {  // tile rows 0..63: gate rows, 64..127: the same up rows (warp-uniform)
        const std::int64_t r = static_cast<std::int64_t>(e) * g.N + by * 64 + (br & 63);
        b_row = (br < 64 ? g.w0 : g.w1) + r * g.row_bytes;
    } else {
        const std::int64_t r = static_cast<std::int64_t>(e) * g.N + by * kBN + br;
        b_row = g.w0 + r * g.row_bytes;
    }

    Chunk q;
    auto loadB = [&](int kt) { q.load(b_row, kt * kBK + bc); };
    auto storeB = [&](int buf) {
        float lo[8], hi[8];
        q.decode(lo, hi);
        *reinterpret_cast<uint4*>(&Bs[buf][br][bc]) = qblocks::packBf16x8(lo);
        *reinterpret_cast<uint4*>(&Bs[buf][br][bc + 8]) = qblocks::packBf16x8(hi);
    };
    auto loadA = [&](int stage, int kt) { cpAsync16(&As[stage][ar][ach * 8], a_src + kt * kBK, a_valid); };

    const int KT = g.K / kBK;
    loadA(0, 0);
    asm volatile("cp.async.commit_group;\n");
    if (KT > 1) loadA(1, 1);
    asm volatile("cp.async.commit_group;\n");
    loadB(0);
    storeB(0);
    if (KT > 1) loadB(1);
    asm volatile("cp.async.wait_group 1;\n");
    __syncthreads();

    float acc[2][4][4] = {};
    // Columns of this warp's two 16-wide B blocks: matching gate/up blocks for SwiGLU.
    const int nb0 = kSwiglu ? 16 * wn : 32 * wn;
    const int nb1 = kSwiglu ? 64 + 16 * wn : 32 * wn + 16;

    for (int kt = 0; kt < KT; ++kt) {
        if (kt + 2 < KT) loadA((kt + 2) % kAStages, kt + 2);
        asm volatile("cp.async.commit_group;\n");
        const int st = kt % kAStages, bb = kt & 1;
        detail::mmaKStep(acc, As[st], Bs[bb], wm, nb0, nb1, lane);
        if (kt + 1 < KT) {
            storeB(bb ^ 1);  // buffer bb ^ 1 was last read in step kt - 1, before the barrier below it
            if (kt + 2 < KT) loadB(kt + 2);
        }
        asm volatile("cp.async.wait_group 1;\n");
        __syncthreads();
    }
    asm volatile("cp.async.wait_group 0;\n");
    detail::storeTile<kSwiglu>(acc, g.c, g.ldc, row0, rows, by, wm, wn, nb0, nb1, lane);
}

// One group (one weight type): grid (m-tile bound, N / 64 or N / 128). No occupancy bound here:
// Q5_K / Q6_K gate|up need ~100 registers (2 blocks per SM) and would spill at 3.
template <WType TB, bool kSwiglu>
__global__ void __launch_bounds__(kThreads) qGroupedGemmKernel(Args g)
{
    __shared__ Smem sm;
    gemmTile<TB, kSwiglu>(g, blockIdx.x, blockIdx.y, sm);
}

// Routed and shared experts in one launch (types TR and TS), on a 1-D grid: blocks
// [0, s_mtiles * s_ntiles) take the shared tiles, the rest the routed ones (m-tile fastest). The
// shared tiles go first because their k-loop can be the longer one (the shared down's K is 2816
// against the routed 1408): started last they would be the launch's tail; started first, the short
// routed tiles fill in around them.
// 3 blocks per SM (80 registers): the instantiated pairs fit without spilling.
template <WType TR, WType TS, bool kSwiglu>
__global__ void __launch_bounds__(kThreads, 3)
    qGroupedGemmPairKernel(Args r, Args s, int r_mtiles, int s_mtiles, int s_ntiles)
{
    __shared__ Smem sm;
    const int idx = blockIdx.x, s_total = s_mtiles * s_ntiles;
    if (idx < s_total) {
        gemmTile<TS, kSwiglu>(s, idx % s_mtiles, idx / s_mtiles, sm);
    } else {
        const int j = idx - s_total;
        gemmTile<TR, kSwiglu>(r, j % r_mtiles, j / r_mtiles, sm);
    }
}

}  // namespace fathom::kernels::qgemm
