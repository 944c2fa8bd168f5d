// CUDA / cuBLAS status checks for the CUDA backend: every failure becomes a fathom::Error that says
// what was being done; running out of GPU memory is ErrorKind::Resource, never an abort.
#pragma once

#include "base/error.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <string>

namespace fathom::inference::cuda {

inline void check(cudaError_t e, const std::string& what)
{
    if (e == cudaSuccess)
        return;
    cudaGetLastError();  // clear a sticky-free error so later calls report their own
    const bool oom = e == cudaErrorMemoryAllocation;
    throw Error(oom ? ErrorKind::Resource : ErrorKind::Internal,
                (oom ? "GPU out of memory while " : "CUDA error while ") + what + ": " + cudaGetErrorString(e));
}

inline void check(cublasStatus_t s, const std::string& what)
{
    if (s == CUBLAS_STATUS_SUCCESS)
        return;
    const bool oom = s == CUBLAS_STATUS_ALLOC_FAILED;
    throw Error(oom ? ErrorKind::Resource : ErrorKind::Internal,
                (oom ? "GPU out of memory while " : "cuBLAS error while ") + what + ": " + cublasGetStatusString(s));
}

}  // namespace fathom::inference::cuda
