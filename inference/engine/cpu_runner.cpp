// CpuRunner: a thin adapter from ModelRunner to CpuModel + KvCache.
#include "inference/engine/cpu_runner.h"

#include <algorithm>

namespace fathom::inference {

CpuRunner::CpuRunner(const ModelConfig& config, WeightStore weights, int threads, std::int64_t contextLength,
                     std::int64_t prefillChunk)
    : m_weights(std::make_unique<WeightStore>(std::move(weights))),
      m_model(std::make_unique<cpu::CpuModel>(config, *m_weights, threads)),
      m_cache(m_model->makeCache(contextLength)), m_prefillChunk(std::max<std::int64_t>(1, prefillChunk))
{
}

std::string CpuRunner::backendName() const
{
    return "CPU (" + std::to_string(m_model->threads()) + " threads)";
}

std::vector<float> CpuRunner::forwardLast(const std::vector<std::int32_t>& tokens, std::int64_t startPos,
                                          const std::atomic<bool>* cancel)
{
    return m_model->forward(tokens, startPos, m_cache, true, cancel);
}

}  // namespace fathom::inference
