// The CUDA backend's model: bf16 weights on the GPU, a paged MLA latent cache, a decode step for one
// token that runs entirely on the device, sampling included, and is replayed as a CUDA graph (token,
// position and sampling settings come from device memory, so one graph serves every step and every
// request), prefill over many tokens with cuBLAS GEMMs; a generated token is all that comes back.
#pragma once

#include "inference/cuda/cuda_weights.h"
#include "inference/engine/model_runner.h"
#include "inference/model/model_config.h"
#include "inference/model/weight_store.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace fathom::inference::cuda {

struct CudaModelOptions {
    std::int64_t contextLength = 4096;  // tokens the latent cache holds (rounded up to a 64-token page)
    int prefillChunk = 512;             // tokens per prefill pass; longer prompts run in chunks
    std::size_t memoryLimitBytes = 0;   // the memory plan's cap (0: what the GPU has free)
    // Packed (GGUF) decode GEMVs and experts with int8 activations (kernels/qdot8.cuh: Q8_0, Q5_0,
    // Q4_K, Q6_K; x rounded to int8 per 32 elements, ~0.5 % relative per dot, as llama.cpp's mmvq
    // does): 1 on, 0 off, -1 the default (on; the environment variable FATHOM_CUDA_INT8=0|1
    // overrides it, so both paths can be timed on one build: docs/PERFORMANCE.md).
    int int8Activations = -1;
    std::function<void(double)> uploadProgress;  // fraction of the weights on the GPU; may throw to cancel
};

// Which kernels the backend enqueued (host-side counts, one per launch enqueued; a replayed decode
// graph counts once, when it is captured). Tests use them to prove V2-Lite's shape runs the
// specialised kernels and other shapes the generic ones.
struct KernelPathCounts {
    std::int64_t mlaDecodeFast = 0;     // kernels/mla_decode (tensor cores)
    std::int64_t mlaDecodeGeneric = 0;  // kernels/mla_decode_generic
    std::int64_t expertsGrouped = 0;    // kernels/moe_prefill for a prefill layer
    std::int64_t expertsPerToken = 0;   // kernels/moe_expert_decode once per token for a prefill layer
    std::int64_t qLoraLayers = 0;       // layers run through q_a_proj -> q_a_layernorm -> q_b_proj
    std::int64_t decodeGraphNodes = 0;  // kernels (and copies) in the captured decode graph
};

class CudaModel final {
public:
    // Uploads the weights and allocates every buffer up front. Throws fathom::Error: UserInput when
    // the model's shape is one the kernels do not run (see supports), Resource when the GPU lacks memory.
    CudaModel(const ModelConfig& config, const WeightStore& weights, const CudaModelOptions& options);
    ~CudaModel();
    CudaModel(const CudaModel&) = delete;
    CudaModel& operator=(const CudaModel&) = delete;

    // Whether the CUDA kernels cover this shape; if not, why (the engine then runs the CPU backend).
    static bool supports(const ModelConfig& config, std::string* reason);

    const ModelConfig& config() const;
    std::int64_t capacity() const;        // tokens the cache holds
    const LoadStats& loadStats() const;   // weight upload: bytes, seconds, GB/s
    std::size_t deviceBytes() const;      // weights + cache + buffers
    const KernelPathCounts& kernelPaths() const;

    // Runs tokens at positions startPos .. startPos+n-1 (cache rows from startPos on are
    // overwritten) and returns fp32 logits [n, vocab], or [1, vocab] of the last token when lastOnly.
    // One token goes through the captured decode graph, more through prefill. Throws fathom::Error:
    // UserInput for a token id outside the vocab, Resource past the context, Cancelled when *cancel
    // turns true (checked between prefill chunks).
    std::vector<float> forward(const std::vector<std::int32_t>& tokens, std::int64_t startPos, bool lastOnly,
                               const std::atomic<bool>* cancel = nullptr);

    // One generation step: runs tokens as forward does and returns the token sampled on the GPU
    // from the last position's logits (kernels/sampling, the engine's sampling rule). Throws like
    // forward, and UserInput when those logits hold NaN or infinity.
    std::int32_t step(const std::vector<std::int32_t>& tokens, std::int64_t startPos, const StepSampling& sampling,
                      const std::atomic<bool>* cancel = nullptr);

    int prefillChunk() const;  // tokens one prefill pass takes
    bool packedWeights() const;  // GGUF blocks on the GPU (CudaWeights::packed)

    struct Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

}  // namespace fathom::inference::cuda
