// Small helpers shared by the kernel files (in the manner of ggml-cuda's common.cuh): bf16 packing,
// warp reductions, programmatic dependent launch, and the host-side launch check every launcher
// ends with. No kernels here.
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "base/error.h"

namespace fathom::kernels {

// A launcher's argument check failed: a bug in the caller, reported with the op's name.
[[noreturn]] inline void badArgument(const char* op, const std::string& problem)
{
    throw fathom::Error(fathom::ErrorKind::Internal, std::string(op) + ": " + problem);
}

inline void require(bool ok, const char* op, const std::string& problem)
{
    if (!ok)
        badArgument(op, problem);
}

inline bool aligned16(const void* p) { return (reinterpret_cast<std::uintptr_t>(p) & 15u) == 0; }

// Every launcher calls this right after its launches: a bad configuration surfaces here, named.
inline void checkLaunch(const char* op)
{
    cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess)
        throw fathom::Error(e == cudaErrorMemoryAllocation ? fathom::ErrorKind::Resource : fathom::ErrorKind::Internal,
                            std::string(op) + ": kernel launch failed: " + cudaGetErrorString(e));
}

// Raises a kernel's dynamic shared-memory limit once (needed above 48 KB).
template <typename Kernel>
inline void allowSharedMemory(Kernel kernel, int bytes, const char* op)
{
    if (bytes <= 48 * 1024)
        return;
    cudaError_t e = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes);
    if (e != cudaSuccess)
        throw fathom::Error(fathom::ErrorKind::Internal, std::string(op) + ": this GPU cannot give a block " +
                                                            std::to_string(bytes) + " bytes of shared memory (" +
                                                            cudaGetErrorString(e) + ")");
}

#ifdef __CUDACC__

__device__ __forceinline__ float warpSum(float v)
{
#pragma unroll
    for (int o = 16; o > 0; o >>= 1)
        v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float warpMax(float v)
{
#pragma unroll
    for (int o = 16; o > 0; o >>= 1)
        v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Eight bf16 in one 16-byte vector -> eight floats (exact widening).
__device__ __forceinline__ void bf16x8ToFloat(const uint4& v, float* f)
{
    const __nv_bfloat162* h = reinterpret_cast<const __nv_bfloat162*>(&v);
#pragma unroll
    for (int i = 0; i < 4; ++i) {
        float2 t = __bfloat1622float2(h[i]);
        f[2 * i] = t.x;
        f[2 * i + 1] = t.y;
    }
}

// Block-wide sum for blockDim.x a multiple of 32 (at most 1024); every thread gets the total.
__device__ __forceinline__ float blockSum(float v, float* scratch32)
{
    v = warpSum(v);
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    __syncthreads();  // scratch may still be read by a previous call
    if (lane == 0)
        scratch32[warp] = v;
    __syncthreads();
    const int nwarps = blockDim.x >> 5;
    v = lane < nwarps ? scratch32[lane] : 0.f;
    return warpSum(v);
}

// Rope on one interleaved pair (x0, x1) by angle with cos c, sin s: the complex product
// (x0 + i x1)(c + i s) that DeepSeek V3 uses; V2's permute-then-rotate_half is the same map
// followed by a fixed permutation of the 64 dims, which q and k share, so q.k is unchanged.
__device__ __forceinline__ void ropePair(float x0, float x1, float c, float s, float& y0, float& y1)
{
    y0 = x0 * c - x1 * s;
    y1 = x0 * s + x1 * c;
}


// Programmatic dependent launch (sm_90): a kernel launched with launchOverlapped may start while
// the one before it in the stream is finishing, so a decode step's ~350 small launches do not each
// pay the launch gap and ramp-up. Every such kernel calls gridDependencyBegin() first: it waits
// until the previous kernel has finished and its writes are visible (so nothing is read or
// overwritten early), then lets the next kernel start launching. A no-op before sm_90, and on a
// kernel launched the ordinary way.
__device__ __forceinline__ void gridDependencyBegin()
{
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.wait;" ::: "memory");
    asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
}

#endif  // __CUDACC__

// Whether this GPU overlaps dependent launches (compute capability 9.0 and later), read once.
inline bool overlappedLaunchSupported()
{
    static const bool ok = [] {
        int device = 0, major = 0;
        return cudaGetDevice(&device) == cudaSuccess &&
               cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device) == cudaSuccess && major >= 9;
    }();
    return ok;
}

// Launches `kernel` (which must start with gridDependencyBegin) allowing it to overlap the previous
// kernel on the stream. Errors surface through the launcher's checkLaunch.
template <typename... KernelArgs, typename... Args>
inline void launchOverlapped(void (*kernel)(KernelArgs...), dim3 grid, dim3 block, std::size_t smem, cudaStream_t stream,
                             Args&&... args)
{
    cudaLaunchConfig_t cfg = {};
    cfg.gridDim = grid;
    cfg.blockDim = block;
    cfg.dynamicSmemBytes = smem;
    cfg.stream = stream;
    cudaLaunchAttribute attr[1];
    attr[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
    attr[0].val.programmaticStreamSerializationAllowed = 1;
    cfg.attrs = attr;
    cfg.numAttrs = overlappedLaunchSupported() ? 1 : 0;
    cudaLaunchKernelEx(&cfg, kernel, std::forward<Args>(args)...);
}


}  // namespace fathom::kernels
