// Token embedding lookup: the first op of every forward pass. Token ids live on the device (the
// sampler writes them there), so a captured decode graph reads the next id without the host.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace fathom::kernels {

struct EmbeddingParams {
    const void* table = nullptr;        // bf16 [vocab, dim] (embed_tokens.weight)
    const std::int32_t* ids = nullptr;  // int32 [n_tokens], device memory
    float* out = nullptr;               // fp32 [n_tokens, dim] (the residual stream)
    int n_tokens = 0;
    int dim = 0;                        // multiple of 8 (16-byte rows)
    int vocab = 0;                      // an id outside [0, vocab) yields a NaN row, never a wild read
};

void launchEmbedding(const EmbeddingParams& p, cudaStream_t stream);

}  // namespace fathom::kernels
