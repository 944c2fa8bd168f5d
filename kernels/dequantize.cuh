// Dequantization of a dense weight matrix to bf16: the backend turns a quantized matrix (attention
// projections, lm_head in chunks of rows) into a bf16 scratch tile right before a cuBLAS GEMM, so
// prefill keeps cuBLAS's tensor-core GEMMs while the weights stay packed in GPU memory.
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/qmatrix.cuh"

namespace fathom::kernels {

// out[r - row0][c] = bf16(w[r][c]) for r in [row0, row0 + n_rows), every c < w.cols. The values are
// the CPU twin's fp32 dequantization (inference/model/quant.h) rounded to nearest even, bit for bit.
struct DequantizeParams {
    QMatrix w;                        // any WType; w.data 16-byte aligned, w.row_bytes = wtypeRowBytes(type, cols)
    __nv_bfloat16* out = nullptr;     // bf16 [n_rows, ld] (16-byte aligned); columns past w.cols untouched
    std::int64_t ld = 0;              // leading dimension of out in elements: >= w.cols, multiple of 8
    int row0 = 0;                     // first row of w to convert
    int n_rows = 0;                   // rows to convert: row0 + n_rows <= w.rows
};

// Enqueues one kernel on `stream`. Throws fathom::Error when an argument breaks the contract.
void launchDequantize(const DequantizeParams& p, cudaStream_t stream);

// The contract checks of any QMatrix a quantized kernel reads (type, cols a multiple of the block
// and of 8, row_bytes, alignment); `what` names the matrix in the message.
void checkQMatrix(const QMatrix& w, const char* op, const char* what);

}  // namespace fathom::kernels
