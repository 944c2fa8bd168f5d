// Token embedding lookup on a GGUF-packed table (token_embd.weight in any QMatrix type): the
// quantized counterpart of kernels/embedding. Ids live on the device (the sampler writes them),
// so a captured decode graph reads the next id without the host.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/qmatrix.cuh"

namespace fathom::kernels {

struct QEmbeddingParams {
    QMatrix table;                      // [vocab, dim] packed (rows = vocab, cols = dim)
    const std::int32_t* ids = nullptr;  // int32 [n_tokens], device memory; an id outside [0, rows) yields a
                                        // NaN row (as kernels/embedding), never a wild read
    float* out = nullptr;               // fp32 [n_tokens, dim] (the residual stream), 16-byte aligned
    int n_tokens = 0;
};

void launchQEmbedding(const QEmbeddingParams& p, cudaStream_t stream);

}  // namespace fathom::kernels
