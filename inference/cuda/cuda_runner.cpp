// CudaRunner: ModelRunner over CudaModel; the cache bookkeeping mirrors CpuRunner's KvCache.
#include "inference/cuda/cuda_runner.h"

#include "inference/cuda/cuda_device.h"
#include "base/error.h"

#include <algorithm>
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
    warmUp();
}

// The first pass of each kernel pays for loading its module (CUDA loads modules lazily), cuBLAS
// picks its algorithms, and the first decode step captures the graph: about 150 ms on V2-Lite,
// which the user's first prompt would otherwise wait for. One prefill chunk and one decode step
// here take that cost at load time. The cache rows they write are overwritten by the first
// request (the runner's cache holds no tokens yet).
void CudaRunner::warmUp()
{
    const std::int64_t n = std::min<std::int64_t>(m_model->prefillChunk(), m_model->capacity() - 1);
    if (n < 1)
        return;
    std::vector<std::int32_t> ids(static_cast<std::size_t>(n));
    const std::int64_t vocab = m_model->config().vocabSize;
    for (std::int64_t i = 0; i < n; ++i)
        ids[static_cast<std::size_t>(i)] = static_cast<std::int32_t>((i * 7919) % vocab);
    m_model->forward(ids, 0, true);
    m_model->forward({ids[0]}, n, true);
    std::fprintf(stderr, "fathom: %s: decode graph of %lld nodes\n", m_name.c_str(),
                 static_cast<long long>(m_model->kernelPaths().decodeGraphNodes));
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
    const std::int32_t next = m_model->step(tokens, startPos, sampling, cancel);
    m_tokens.insert(m_tokens.end(), tokens.begin(), tokens.end());
    return next;
}

}  // namespace fathom::inference
