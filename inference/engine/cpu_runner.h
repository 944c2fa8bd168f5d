// The CPU backend behind the engine queue: owns the weights, a CpuModel and its latent KV cache.
#pragma once

#include "inference/cpu/cpu_model.h"
#include "inference/engine/model_runner.h"

#include <memory>

namespace fathom::inference {

class CpuRunner final : public ModelRunner {
public:
    // prefillChunk: prompt tokens per pass (the queue checks for cancellation between passes).
    CpuRunner(const ModelConfig& config, WeightStore weights, int threads, std::int64_t contextLength,
              std::int64_t prefillChunk = 256);

    std::int64_t vocabSize() const override { return m_model->config().vocabSize; }
    std::int64_t contextLength() const override { return m_cache.capacity(); }
    std::string backendName() const override;
    std::int64_t prefillChunk() const override { return m_prefillChunk; }
    const std::vector<std::int32_t>& cachedTokens() const override { return m_cache.tokens(); }
    std::vector<float> forwardLast(const std::vector<std::int32_t>& tokens, std::int64_t startPos,
                                   const std::atomic<bool>* cancel) override;

private:
    std::unique_ptr<WeightStore> m_weights;  // heap-held: the model keeps a reference to it
    std::unique_ptr<cpu::CpuModel> m_model;
    KvCache m_cache;
    std::int64_t m_prefillChunk;
};

}  // namespace fathom::inference
