// Helpers of the MoE ops (routing, experts, SwiGLU, prefill): CUDA error checks, bf16 unpacking
// and loads, the prefill ops' grouped-GEMM tile and combine pieces, on top of kernels/common.cuh.
// Included by .cu only.
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <string>

#include "base/error.h"
#include "kernels/common.cuh"

namespace fathom::kernels::detail {

// The shared helpers of kernels/common.cuh, under the names these files have always used.
using kernels::aligned16;
using kernels::checkLaunch;
using kernels::require;
using kernels::warpSum;

inline void checkCuda(cudaError_t e, const char* op, const char* call)
{
    if (e != cudaSuccess)
        throwInternalError(std::string(op) + ": " + call + " failed: " + cudaGetErrorString(e));
}


inline int smCount()
{
    int dev = 0, n = 0;
    checkCuda(cudaGetDevice(&dev), "kernels", "cudaGetDevice");
    checkCuda(cudaDeviceGetAttribute(&n, cudaDevAttrMultiProcessorCount, dev), "kernels", "cudaDeviceGetAttribute");
    return n;
}

// ---- device side ----

// bf16 -> fp32 is exact: the bf16 bits are the high half of the fp32 bits.
__device__ __forceinline__ float bf16lo(std::uint32_t w) { return __uint_as_float(w << 16); }
__device__ __forceinline__ float bf16hi(std::uint32_t w) { return __uint_as_float(w & 0xffff0000u); }

// Dot product of 8 bf16 weights (one 16-byte load) with 8 bf16 activations.
__device__ __forceinline__ float dot8(uint4 w, uint4 a)
{
    float s = bf16lo(w.x) * bf16lo(a.x);
    s = fmaf(bf16hi(w.x), bf16hi(a.x), s);
    s = fmaf(bf16lo(w.y), bf16lo(a.y), s);
    s = fmaf(bf16hi(w.y), bf16hi(a.y), s);
    s = fmaf(bf16lo(w.z), bf16lo(a.z), s);
    s = fmaf(bf16hi(w.z), bf16hi(a.z), s);
    s = fmaf(bf16lo(w.w), bf16lo(a.w), s);
    s = fmaf(bf16hi(w.w), bf16hi(a.w), s);
    return s;
}

// Dot product of 8 bf16 weights with 8 fp32 activations (two float4).
__device__ __forceinline__ float dot8f(uint4 w, float4 a, float4 b)
{
    float s = bf16lo(w.x) * a.x;
    s = fmaf(bf16hi(w.x), a.y, s);
    s = fmaf(bf16lo(w.y), a.z, s);
    s = fmaf(bf16hi(w.y), a.w, s);
    s = fmaf(bf16lo(w.z), b.x, s);
    s = fmaf(bf16hi(w.z), b.y, s);
    s = fmaf(bf16lo(w.w), b.z, s);
    s = fmaf(bf16hi(w.w), b.w, s);
    return s;
}

// Weights are read exactly once per step: keep them out of L1 so activations stay there.
__device__ __forceinline__ uint4 loadStreaming(const void* p)
{
    uint4 v;
    asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0,%1,%2,%3}, [%4];"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                 : "l"(p));
    return v;
}


__device__ __forceinline__ float silu(float g) { return g / (1.0f + __expf(-g)); }

// Blocks of a persistent expert kernel that fit the GPU at once with `smem` bytes of dynamic shared
// memory, opting the kernel into that much first. The device calls happen once per size (per
// kernel), so launches captured into a decode graph after a warm-up step make none; `need` says
// in the error what the shared memory holds. The cached state lives per Kernel type: two kernels of
// one signature (qmoe_decode's fp32 and int8 variants) pass different kTag values.
template <typename Kernel, int kTag = 0>
int residentBlocks(Kernel kernel, int threads, std::size_t smem, std::size_t slack, const char* op, const std::string& need)
{
    static std::mutex setup_mutex;
    static std::size_t smem_enabled = 0, occupancy_smem = 0;
    static int occupancy_blocks = 0;
    std::lock_guard<std::mutex> lock(setup_mutex);
    if (smem > smem_enabled) {
        int dev = 0, smem_max = 0;
        checkCuda(cudaGetDevice(&dev), op, "cudaGetDevice");
        checkCuda(cudaDeviceGetAttribute(&smem_max, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev), op, "cudaDeviceGetAttribute");
        require(smem + slack <= static_cast<std::size_t>(smem_max), op, need + " = " + std::to_string(smem) + " bytes exceeds shared memory");
        checkCuda(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem)), op,
                  "cudaFuncSetAttribute");
        smem_enabled = smem;
    }
    if (smem != occupancy_smem) {
        int per_sm = 0;
        checkCuda(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, threads, smem), op,
                  "cudaOccupancyMaxActiveBlocksPerMultiprocessor");
        occupancy_blocks = std::max(per_sm, 1) * smCount();
        occupancy_smem = smem;
    }
    return occupancy_blocks;
}

#ifdef __CUDACC__
// ---- the grouped GEMM of the prefill MoE ops, bf16 weights (moe_prefill.cu) or packed ones
// (qmoe_gemm.cuh): a block of 256 threads (8 warps as 2 × 4) computes 64 sorted rows × 128 weight
// rows in k-steps of 32, with mma.sync m16n8k16 fed by ldmatrix from padded shared-memory tiles. ----
constexpr int kGemmBM = 64, kGemmBN = 128, kGemmBK = 32;
constexpr int kGemmPad = 40;  // smem row pitch in bf16: 80 bytes keeps ldmatrix rows on distinct banks
constexpr int kGemmThreads = 256;

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

// Thread 0 of a sort kernel, once cnt[e] holds expert e's assignment count: offsets[e] (its first
// sorted row) and tile_offsets[e] (its first 64-row tile), both [E + 1]; cnt[e] becomes expert e's
// next free sorted position.
__device__ inline void expertOffsets(int* cnt, int E, int* offsets, int* tile_offsets)
{
    int off = 0, tiles = 0;
    for (int e = 0; e < E; ++e) {
        const int c = cnt[e];
        offsets[e] = off;
        tile_offsets[e] = tiles;
        cnt[e] = off;
        off += c;
        tiles += (c + kGemmBM - 1) / kGemmBM;
    }
    offsets[E] = off;
    tile_offsets[E] = tiles;
}

// The expert e and sorted rows [row0, row0 + rows) of m-tile bx < tile_offsets[E], from
// expertOffsets' output (the grids are a bound: blocks past tile_offsets[E] exit before asking).
__device__ __forceinline__ void expertTile(const int* offsets, const int* tile_offsets, int E, int bx, int& e, int& row0,
                                           int& rows)
{
    int lo = 0, hi = E - 1;  // expert e with tile_offsets[e] <= bx < tile_offsets[e+1]
    while (lo < hi) {
        const int mid = (lo + hi + 1) / 2;
        if (tile_offsets[mid] <= bx) lo = mid; else hi = mid - 1;
    }
    e = lo;
    row0 = offsets[e] + (bx - tile_offsets[e]) * kGemmBM;
    rows = min(kGemmBM, offsets[e + 1] - row0);
}

// One k-step of the tile's MMAs: warp (wm, ·) multiplies its 32 rows of A by the two 16-row blocks
// of B that start at nb0 and nb1, into acc[mi][nj] (rows 16 mi, columns 8 nj of its 32 × 32).
__device__ __forceinline__ void mmaKStep(float (&acc)[2][4][4], const __nv_bfloat16 (&As)[kGemmBM][kGemmPad],
                                         const __nv_bfloat16 (&Bs)[kGemmBN][kGemmPad], int wm, int nb0, int nb1, int lane)
{
#pragma unroll
    for (int kk = 0; kk < kGemmBK; kk += 16) {
        unsigned af[2][4], bf[2][4];
#pragma unroll
        for (int mi = 0; mi < 2; ++mi)
            ldmatrixX4(af[mi], &As[wm * 32 + mi * 16 + (lane & 15)][kk + (lane >> 4) * 8]);
        const int bn = (lane & 7) + ((lane >> 4) << 3), bk = kk + ((lane >> 3) & 1) * 8;
        ldmatrixX4(bf[0], &Bs[nb0 + bn][bk]);
        ldmatrixX4(bf[1], &Bs[nb1 + bn][bk]);
#pragma unroll
        for (int mi = 0; mi < 2; ++mi)
#pragma unroll
            for (int nj = 0; nj < 4; ++nj)
                mma16816(acc[mi][nj], af[mi], bf[nj >> 1][(nj & 1) * 2], bf[nj >> 1][(nj & 1) * 2 + 1]);
    }
}

// The tile's epilogue: the first `rows` of its 64 rows go to c rows row0 .. as bf16. Plain: output
// columns by·128 + the B rows. kSwiglu: B rows 0..63 were gate rows and 64..127 the same up rows
// (nb1 = nb0 + 64), so the tile writes 64 columns by·64 .. of SiLU(gate)·up.
template <bool kSwiglu>
__device__ __forceinline__ void storeTile(const float (&acc)[2][4][4], __nv_bfloat16* c, int ldc, int row0, int rows, int by,
                                          int wm, int wn, int nb0, int nb1, int lane)
{
    const int gq = lane >> 2, tq = lane & 3;
#pragma unroll
    for (int mi = 0; mi < 2; ++mi)
#pragma unroll
        for (int half = 0; half < 2; ++half) {
            const int r = wm * 32 + mi * 16 + gq + half * 8;
            if (r >= rows) continue;
            __nv_bfloat16* crow = c + static_cast<size_t>(row0 + r) * ldc;
            if constexpr (kSwiglu) {
#pragma unroll
                for (int nj = 0; nj < 2; ++nj) {
                    const float* ga = &acc[mi][nj][half * 2];
                    const float* ua = &acc[mi][nj + 2][half * 2];
                    const int col = by * 64 + 16 * wn + 8 * nj + 2 * tq;
                    *reinterpret_cast<unsigned*>(crow + col) = packBf16(silu(ga[0]) * ua[0], silu(ga[1]) * ua[1]);
                }
            } else {
                const int n0 = by * kGemmBN;
#pragma unroll
                for (int nj = 0; nj < 4; ++nj) {
                    const int col = n0 + (nj < 2 ? nb0 : nb1) + 8 * (nj & 1) + 2 * tq;
                    *reinterpret_cast<unsigned*>(crow + col) = packBf16(acc[mi][nj][half * 2], acc[mi][nj][half * 2 + 1]);
                }
            }
        }
}

// ---- the combine step of the prefill MoE ops: each token sums its expert rows, 8 columns a thread ----

// acc += w · the 8 bf16 of y.
__device__ __forceinline__ void accumulateBf16x8(float (&acc)[8], float w, uint4 y)
{
    const unsigned yw[4] = {y.x, y.y, y.z, y.w};
#pragma unroll
    for (int j = 0; j < 4; ++j) {
        acc[2 * j] = fmaf(w, bf16lo(yw[j]), acc[2 * j]);
        acc[2 * j + 1] = fmaf(w, bf16hi(yw[j]), acc[2 * j + 1]);
    }
}

// The 8 sums to out + base, fp32 or bf16 (exactly one is set), added to what is there when accumulate
// is 1 (the params' int flag).
__device__ __forceinline__ void storeCombined(float (&acc)[8], float* out_f32, __nv_bfloat16* out_bf16, int accumulate,
                                              size_t base)
{
    if (out_f32) {
        float4* o = reinterpret_cast<float4*>(out_f32 + base);
        float4 a = make_float4(acc[0], acc[1], acc[2], acc[3]), b = make_float4(acc[4], acc[5], acc[6], acc[7]);
        if (accumulate) {
            const float4 pa = o[0], pb = o[1];
            a = make_float4(a.x + pa.x, a.y + pa.y, a.z + pa.z, a.w + pa.w);
            b = make_float4(b.x + pb.x, b.y + pb.y, b.z + pb.z, b.w + pb.w);
        }
        o[0] = a;
        o[1] = b;
    } else {
        uint4* o = reinterpret_cast<uint4*>(out_bf16 + base);
        if (accumulate) {
            const uint4 prev = *o;
            const unsigned pw[4] = {prev.x, prev.y, prev.z, prev.w};
#pragma unroll
            for (int j = 0; j < 4; ++j) {
                acc[2 * j] += bf16lo(pw[j]);
                acc[2 * j + 1] += bf16hi(pw[j]);
            }
        }
        *o = make_uint4(packBf16(acc[0], acc[1]), packBf16(acc[2], acc[3]), packBf16(acc[4], acc[5]), packBf16(acc[6], acc[7]));
    }
}

// The persistent expert kernels' work queue (moe_expert_decode, qmoe_decode): the sync_ws slots,
// and the waits between items. The last block to finish resets every slot to zero.
constexpr int kQueue = 0, kHDone = 1, kBlocksDone = 2, kRouterDone = 3, kRouted = 4;

// *counter read with acquire semantics at GPU scope: a plain load from L2. Polling with
// atomicAdd(counter, 0) instead made every waiting block's poll a read-modify-write on the one
// address the producers increment, queueing the increments behind the polls.
__device__ __forceinline__ int loadAcquire(const int* counter)
{
    int v;
    asm volatile("ld.acquire.gpu.global.b32 %0, [%1];" : "=r"(v) : "l"(counter) : "memory");
    return v;
}

// Thread 0 waits until *counter >= target, then the whole block may read what was counted.
__device__ inline void waitFor(int* counter, int target)
{
    if (threadIdx.x == 0) {
        long long spins = 0;
        while (loadAcquire(counter) < target) {
            __nanosleep(100);
            if (++spins > (1LL << 25)) __trap();  // never expected: fail loudly, not hang
        }
        __threadfence();
    }
    __syncthreads();
}

// Publishes the block's writes of this item (each writer fenced already) and counts the item done.
__device__ inline void countDone(int* counter)
{
    __syncthreads();
    if (threadIdx.x == 0) {
        __threadfence();
        atomicAdd(counter, 1);
    }
}
#endif

}  // namespace fathom::kernels::detail
