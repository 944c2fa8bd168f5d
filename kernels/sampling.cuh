// Token sampling on the GPU: greedy argmax, or temperature + top-k + top-p with a seeded
// Philox draw, so only the chosen token id (int32 in device memory) leaves the device.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace fathom::kernels {

struct SamplingParams {
    const float* logits = nullptr;       // fp32 [n_rows, vocab]
    int* out_ids = nullptr;              // int32 [n_rows] out: the chosen token per row
    std::uint64_t* rng_state = nullptr;  // uint64 [2] {step, scratch}: set to {0, 0} when a request starts; each launch
                                         // uses `step` for its draws and then adds 1 (so graph replays draw anew)
    int n_rows = 0;                      // 1 for batch-1 decode; row r draws with counter (step, r)
    int vocab = 0;                       // 102400 for V2-Lite
    float temperature = 0.f;             // <= 0: greedy argmax (ties: lowest id)
    int top_k = 0;                       // <= 0 or >= vocab: off; 1: greedy
    float top_p = 1.f;                   // >= 1: off; else the smallest best-first set with mass >= top_p
    std::uint64_t seed = 0;              // Philox key
};

// Enqueues sampling on `stream`. Throws fathom::Error when an argument breaks the contract above.
void sampleTokens(const SamplingParams& p, cudaStream_t stream);

}  // namespace fathom::kernels
