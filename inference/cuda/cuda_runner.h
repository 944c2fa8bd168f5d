// The CUDA backend behind the engine queue: a CudaModel plus the token ids its cache holds.
#pragma once

#include "inference/cuda/cuda_model.h"
#include "inference/engine/model_runner.h"

#include <functional>
#include <memory>

namespace fathom::inference {

class CudaRunner final : public ModelRunner {
public:
    // Throws fathom::Error (UserInput: shape not supported; Resource: the memory plan does not fit
    // the GPU's free memory or memoryLimitBytes when set).
    CudaRunner(const ModelConfig& config, const WeightStore& weights, std::int64_t contextLength,
               std::function<void(double)> uploadProgress = {}, std::size_t memoryLimitBytes = 0);

    std::int64_t vocabSize() const override { return m_model->config().vocabSize; }
    std::int64_t contextLength() const override { return m_model->capacity(); }
    std::string backendName() const override { return m_name; }
    const std::vector<std::int32_t>& cachedTokens() const override { return m_tokens; }
    // Cancellation is checked between prefill chunks (one chunk is one GPU pass of ~20 ms at 512).
    std::vector<float> forwardLast(const std::vector<std::int32_t>& tokens, std::int64_t startPos,
                                   const std::atomic<bool>* cancel) override;
    std::int64_t prefillChunk() const override { return m_model->prefillChunk(); }
    // Samples on the GPU (inside the decode graph): only the token id comes back.
    std::int32_t step(const std::vector<std::int32_t>& tokens, std::int64_t startPos, const StepSampling& sampling,
                      const std::atomic<bool>* cancel) override;

private:
    void warmUp();  // one prefill chunk and one decode step at load: see cuda_runner.cpp

    std::unique_ptr<cuda::CudaModel> m_model;
    std::vector<std::int32_t> m_tokens;
    std::string m_name;
};

}  // namespace fathom::inference
