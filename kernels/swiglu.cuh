// SwiGLU between a prefill MLP's gate_up GEMM and its down GEMM: out = silu(gate) * up, to bf16.
// (Decode folds this into the down GEMV's input staging instead: GemvParams::x_swiglu.)
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace fathom::kernels {

struct SwigluParams {
    const float* gate_up = nullptr;  // fp32 [n_rows, in_row_stride]: gate [dim] at 0, up [dim] at up_offset
    std::int64_t in_row_stride = 0;
    std::int64_t up_offset = 0;
    void* out = nullptr;             // bf16 [n_rows, dim] (row stride dim)
    int n_rows = 0;
    int dim = 0;                     // even
};

void launchSwiglu(const SwigluParams& p, cudaStream_t stream);

}  // namespace fathom::kernels
