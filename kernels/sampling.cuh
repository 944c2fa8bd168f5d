// Token sampling on the GPU, the rule of inference/sampling/sampler.h (its CPU twin, the Sampler):
// penalties over a recent-token window, greedy, or temperature + top-k + top-p + min-p and a seeded
// Philox draw. Settings live in device memory, so one captured decode graph serves every request;
// only the chosen token id (int32) leaves the device.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

namespace fathom::kernels {

constexpr int kSamplingWindow = 256;  // most recent tokens the penalties look at

// Written by the host before each step (one copy together with the step's token and position).
struct SamplingSettings {
    float temperature = 0.f;         // <= 0: greedy argmax (ties: lowest id)
    float top_p = 1.f;               // >= 1: off
    float min_p = 0.f;               // <= 0: off
    float repetition_penalty = 1.f;  // 1: off (HF: v / r for v > 0, v * r otherwise)
    float presence_penalty = 0.f;    // 0: off (subtracted once per distinct recent token)
    float frequency_penalty = 0.f;   // 0: off (subtracted once per occurrence)
    int top_k = 0;                   // <= 0 or >= vocab: off
    int n_recent = 0;                // entries of recent[] in use, 0 .. kSamplingWindow
    std::uint64_t seed = 0;          // Philox key
    std::uint64_t draw = 0;          // Philox counter: how many tokens the request sampled before
    std::int32_t recent[kSamplingWindow] = {};  // the penalty window (any order)
};

struct SamplingParams {
    const float* logits = nullptr;               // fp32 [vocab], one row
    int vocab = 0;                               // 102400 for V2-Lite; at most kSamplingMaxVocab
    const SamplingSettings* settings = nullptr;  // device memory
    int* out_id = nullptr;                       // int32 [1] out: the token, or -1 when a logit is NaN / inf
    void* scratch = nullptr;                     // samplingScratchBytes(): zeroed once; every launch leaves it zeroed
};

constexpr int kSamplingMaxVocab = 128 * 2048;

std::size_t samplingScratchBytes();

// Enqueues one launch (a grid of vocab / 2048 blocks that meet at grid-wide barriers: it must not
// share the GPU with a concurrent launch that could keep its blocks from being resident).
// Throws fathom::Error when an argument breaks the contract above.
void launchSampling(const SamplingParams& p, cudaStream_t stream);

}  // namespace fathom::kernels
