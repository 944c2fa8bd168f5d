// Helpers of the MoE ops (routing, experts, SwiGLU, prefill): CUDA error checks, bf16 unpacking
// and loads, on top of kernels/common.cuh. Included by .cu only.
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
// The persistent expert kernels' work queue (moe_expert_decode, qmoe_decode): the sync_ws slots,
// and the waits between items. The last block to finish resets every slot to zero.
constexpr int kQueue = 0, kHDone = 1, kBlocksDone = 2, kRouterDone = 3, kRouted = 4;

// Thread 0 waits until *counter >= target, then the whole block may read what was counted.
__device__ inline void waitFor(int* counter, int target)
{
    if (threadIdx.x == 0) {
        long long spins = 0;
        while (atomicAdd(counter, 0) < target) {
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
