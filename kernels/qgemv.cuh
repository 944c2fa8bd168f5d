// GEMV on GGUF-packed weights for batch-1 decode: y = W x (+ y), W any QMatrix type (the block
// quantized GGUF types, bf16, f16, f32), x and y fp32. The quantized counterpart of kernels/gemv:
// q_proj+kv_a, o_proj, the dense MLP and lm_head of a GGUF model. Memory-bound: it streams the
// packed bytes once and dequantizes them in registers (no bf16 copy of the weights ever exists).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/qmatrix.cuh"

namespace fathom::kernels {

struct QGemvParams {
    QMatrix w;                         // [rows, cols] packed (cols at most 24576)
    const float* x = nullptr;          // fp32 [cols] (16-byte aligned); with x_swiglu fp32 [cols + swiglu_up_offset]
    // SwiGLU input, as GemvParams: the GEMV reads x'[i] = silu(x[i]) * x[i + swiglu_up_offset], so the
    // MLP's down projection consumes the gate_up output directly.
    bool x_swiglu = false;
    std::int64_t swiglu_up_offset = 0; // multiple of 4
    float* y = nullptr;                // fp32 [rows]
    bool accumulate = false;           // y += W x: residual adds for free
    // Int8 activations (kernels/qdot8.cuh): x is quantized per 32 elements inside the kernel and
    // dotted with __dp4a; ~1e-2 relative instead of fp32 rounding. Q8_0, Q5_0, Q4_K, Q6_K only:
    // other types ignore it and take the fp32 path.
    bool int8_x = false;
    // With int8_x: x already quantized (kernels/qdot8.cuh's Q8View layout, q8Bytes(cols) bytes,
    // 16-byte aligned: RmsNormParams::out_q8 or kernels/quantize_x8), which the kernel then reads
    // instead of quantizing x in every warp. Not with x_swiglu. x is still read by types without
    // an int8 dot.
    const void* x_q8 = nullptr;
};

// Enqueues y = W x on `stream`. Throws fathom::Error (before any CUDA call) when an argument
// breaks the contract above.
void launchQGemv(const QGemvParams& p, cudaStream_t stream);

}  // namespace fathom::kernels
