// CudaRunner: ModelRunner over CudaModel; the cache bookkeeping mirrors CpuRunner's KvCache.
#include "inference/cuda/cuda_runner.h"

#include "inference/cuda/cuda_device.h"
#include "base/error.h"

#include <cstdio>

namespace fathom::inference {

CudaRunner::CudaRunner(const ModelConfig& config, const WeightStore& weights, std::int64_t contextLength,
                       std::function<void(double)> uploadProgress, std::size_t memoryLimitBytes)
{
    cuda::CudaModelOptions o;
    o.contextLength = contextLength;
    o.memoryLimitBytes = memoryLimitBytes;
    o.uploadProgress = std::move(uploadProgress);
    m_model = std::make_unique<cuda::CudaModel>(config, weights, o);
    const cuda::LoadStats& s = m_model->loadStats();
    m_name = "CUDA (" + cuda::probeDevice().name + ")";
    std::fprintf(stderr, "fathom: %s: uploaded %.2f GB of %s weights in %.2f s (%.1f GB/s)\n", m_name.c_str(),
                 s.bytes / 1e9, m_model->packedWeights() ? "packed (GGUF)" : "bf16", s.seconds, s.gbPerSecond());
}

std::vector<float> CudaRunner::forwardLast(const std::vector<std::int32_t>& tokens, std::int64_t startPos,
                                           const std::atomic<bool>* cancel)
{
    if (startPos < 0 || startPos > static_cast<std::int64_t>(m_tokens.size()))
        throwInternalError("CudaRunner: start position " + std::to_string(startPos) + " is past the " +
                           std::to_string(m_tokens.size()) + " cached tokens");
    // The cache is cut back first: a cancelled or failed pass leaves the rows from startPos undefined.
    m_tokens.resize(static_cast<std::size_t>(startPos));
    std::vector<float> logits = m_model->forward(tokens, startPos, true, cancel);
    m_tokens.insert(m_tokens.end(), tokens.begin(), tokens.end());
    return logits;
}

std::int32_t CudaRunner::step(const std::vector<std::int32_t>& tokens, std::int64_t startPos, const StepSampling& sampling,
                              const std::atomic<bool>* cancel)
{
    if (startPos < 0 || startPos > static_cast<std::int64_t>(m_tokens.size()))
        throwInternalError("CudaRunner: start position " + std::to_string(startPos) + " is past the " +
                           std::to_string(m_tokens.size()) + " cached tokens");
    m_tokens.resize(static_cast<std::size_t>(startPos));
    const std::int64_t nodesBefore = m_model->kernelPaths().decodeGraphNodes;
    const std::int32_t next = m_model->step(tokens, startPos, sampling, cancel);
    if (nodesBefore == 0 && m_model->kernelPaths().decodeGraphNodes > 0)  // captured on this step: say its size once
        std::fprintf(stderr, "fathom: %s: decode graph of %lld nodes\n", m_name.c_str(),
                     static_cast<long long>(m_model->kernelPaths().decodeGraphNodes));
    m_tokens.insert(m_tokens.end(), tokens.begin(), tokens.end());
    return next;
}

}  // namespace fathom::inference
