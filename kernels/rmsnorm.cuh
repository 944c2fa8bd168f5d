// RMSNorm with the residual add fused in front: h += delta; out = h / rms(h) * weight. Fusing saves
// one launch and one pass over h per norm (two norms a layer), which matters at ~42 µs a layer.
#pragma once

#include <cuda_runtime.h>

namespace fathom::kernels {

struct RmsNormParams {
    float* residual = nullptr;      // fp32 [n_rows, dim] h; read, and written back when delta is set
    const float* delta = nullptr;   // fp32 [n_rows, dim] added into residual first; nullptr = no add
    const void* weight = nullptr;   // bf16 [dim] the norm's gamma
    void* out = nullptr;            // [n_rows, dim] fp32 or bf16 (out_bf16) normalised rows
    bool out_bf16 = false;          // bf16 out feeds cuBLAS GEMMs (prefill); fp32 feeds the GEMVs
    float* out_f32 = nullptr;       // optional fp32 [n_rows, dim] copy of out (with out_bf16: the router's input)
    // Optional: out quantized to int8 per 32 elements for the int8 decode kernels (kernels/qdot8.cuh,
    // Q8View layout, q8Bytes(dim) bytes per row; dim a multiple of 32): QGemvParams::x_q8.
    void* out_q8 = nullptr;
    int n_rows = 0;
    int dim = 0;                    // multiple of 4; out row stride = dim
    int residual_stride = 0;        // elements between rows of residual/delta (0 = dim)
    float eps = 1e-6f;
};

void launchRmsNorm(const RmsNormParams& p, cudaStream_t stream);

}  // namespace fathom::kernels
