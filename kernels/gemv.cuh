// Dense bf16 GEMV for batch-1 decode: y = W x (+ y), W bf16 [rows, cols], fp32 accumulation. Used
// for q_proj+kv_a, o_proj, the dense MLP, shared experts, lm_head, and (batched over heads) the
// MLA absorptions W_uk / W_uv. Memory-bound: it must stream W at close to copy bandwidth.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace fathom::kernels {

struct GemvParams {
    const void* w = nullptr;           // bf16 [batch][rows, ld_w]; row r of batch b at w + b*w_batch_stride + r*ld_w
    const void* x = nullptr;           // fp32 or bf16 (x_bf16) [batch][cols] at x + b*x_batch_stride
    bool x_bf16 = false;
    // SwiGLU input: the GEMV reads x'[i] = silu(x[i]) * x[i + swiglu_up_offset] (fp32 x only), so the
    // MLP's down projection consumes the gate_up output directly, without an elementwise launch.
    bool x_swiglu = false;
    std::int64_t swiglu_up_offset = 0;
    // RMSNorm input: the GEMV reads x' = x / sqrt(mean(x^2) + norm_eps) * norm_weight (fp32 x, batch 1),
    // so a decode step's norm rides in the projection after it instead of a launch of its own.
    const void* norm_weight = nullptr;  // bf16 [cols], or null
    float norm_eps = 1e-6f;
    void* y = nullptr;                 // fp32 or bf16 (y_bf16) [batch][rows] at y + b*y_batch_stride
    bool y_bf16 = false;
    bool accumulate = false;           // y += W x (fp32 y only): residual adds and expert sums for free
    int rows = 0;
    int cols = 0;                      // multiple of 8: rows are read as 16-byte vectors
    int batch = 1;
    std::int64_t ld_w = 0;             // elements between rows of W (0 = cols); multiple of 8
    std::int64_t w_batch_stride = 0;   // elements between batches of W
    std::int64_t x_batch_stride = 0;   // elements between batches of x
    std::int64_t y_batch_stride = 0;   // elements between batches of y
};

void launchGemv(const GemvParams& p, cudaStream_t stream);

}  // namespace fathom::kernels
