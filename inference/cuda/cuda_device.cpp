// Device probe: cudaGetDeviceCount distinguishes "no driver" from "no device"; compute capability
// below 8.0 is refused because the kernels use bf16 tensor-core instructions.
#include "inference/cuda/cuda_device.h"

#include <cuda_runtime.h>

#include <mutex>

namespace fathom::inference::cuda {

namespace {

DeviceInfo probe()
{
    DeviceInfo d;
    int n = 0;
    const cudaError_t e = cudaGetDeviceCount(&n);
    if (e == cudaErrorNoDevice || (e == cudaSuccess && n == 0)) {
        d.reason = "no NVIDIA GPU found";
    } else if (e == cudaErrorInsufficientDriver) {
        d.reason = "the NVIDIA driver is missing or older than this build's CUDA runtime";
    } else if (e != cudaSuccess) {
        d.reason = std::string("the CUDA runtime could not start (") + cudaGetErrorString(e) + ")";
    }
    if (!d.reason.empty()) {
        cudaGetLastError();
        return d;
    }
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, 0) != cudaSuccess) {
        cudaGetLastError();
        d.reason = "cannot read the GPU's properties";
        return d;
    }
    d.name = prop.name;
    d.multiprocessors = prop.multiProcessorCount;
    d.computeMajor = prop.major;
    d.computeMinor = prop.minor;
    d.totalBytes = prop.totalGlobalMem;
    cudaMemGetInfo(&d.freeBytes, &d.totalBytes);
    if (prop.major < 8) {
        d.reason = d.name + " has compute capability " + std::to_string(prop.major) + "." + std::to_string(prop.minor) +
                   "; the CUDA backend needs 8.0 or newer (bf16 tensor cores)";
        return d;
    }
    d.usable = true;
    return d;
}

}  // namespace

const DeviceInfo& probeDevice()
{
    static std::once_flag once;
    static DeviceInfo info;
    std::call_once(once, [] { info = probe(); });
    return info;
}

}  // namespace fathom::inference::cuda
