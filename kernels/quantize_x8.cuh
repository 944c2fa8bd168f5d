// x quantized to int8 per 32 elements, once, for the int8 decode kernels (kernels/qdot8.cuh): the
// input of o_proj, which no norm produces (the norms quantize their own output: RmsNormParams::
// out_q8). Quantizing once in global memory, instead of in every warp of the GEMV, takes the
// ~300-instruction quantization chain and 8 KB of x loads per warp out of the GEMV, which ncu
// showed bound by L1 traffic at 5 % of DRAM bandwidth (H200, V2-Lite Q4_K_M o_proj).
#pragma once

#include <cuda_runtime.h>

namespace fathom::kernels {

struct QuantizeX8Params {
    const float* x = nullptr;  // fp32 [n] (16-byte aligned)
    void* out = nullptr;       // qblock::q8Bytes(n) bytes in the Q8View layout (16-byte aligned)
    int n = 0;                 // a positive multiple of 32
};

// Enqueues the quantization on `stream`. Throws fathom::Error when an argument breaks the contract.
void launchQuantizeX8(const QuantizeX8Params& p, cudaStream_t stream);

}  // namespace fathom::kernels
