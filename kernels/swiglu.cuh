// SwiGLU for the dense MLP path: out = SiLU(gate) * up, from one fused gate|up GEMM output.
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace fathom::kernels {

struct SwigluParams {
    const __nv_bfloat16* gate_up = nullptr;  // bf16 [n_tokens, 2*n]: gate in columns [0, n), up in [n, 2n) (16-byte aligned)
    __nv_bfloat16* out = nullptr;            // bf16 [n_tokens, n] (16-byte aligned)
    int n_tokens = 0;
    int n = 0;                               // intermediate size, multiple of 8 (10944 for V2-Lite layer 0)
};

// Enqueues SwiGLU on `stream`. Throws fathom::Error when an argument breaks the contract above.
void launchSwiglu(const SwigluParams& p, cudaStream_t stream);

}  // namespace fathom::kernels
