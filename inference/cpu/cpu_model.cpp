// CpuModel: embedding -> layers (pre-norm MLA attention, pre-norm dense MLP or MoE, residuals)
// -> final norm -> lm_head (or the tied embedding).
#include "inference/cpu/cpu_model.h"

#include "inference/cpu/layer_weights.h"
#include "inference/cpu/matmul.h"
#include "inference/cpu/rmsnorm.h"
#include "inference/cpu/rope.h"
#include "base/error.h"

#include <string>

namespace fathom::inference::cpu {

CpuModel::CpuModel(const ModelConfig& config, const WeightStore& weights, int threads)
    : m_config(config), m_weights(weights), m_pool(threads)
{
    m_rope = std::make_unique<YarnRope>(config.qkRopeHeadDim, config.ropeTheta, config.ropeScaling);
    for (std::int64_t l = 0; l < config.numLayers; ++l)
        m_layers.push_back(LayerWeights::bind(config, weights, l));
    m_finalNorm = vectorToFloat(weights.get("model.norm.weight"));
    m_embed = &weights.get("model.embed_tokens.weight");
    m_lmHead = config.tieWordEmbeddings ? m_embed : &weights.get("lm_head.weight");
}

CpuModel::~CpuModel() = default;

KvCache CpuModel::makeCache(std::int64_t capacity) const
{
    return KvCache(m_config.numLayers, m_config.kvLoraRank + m_config.qkRopeHeadDim, capacity);
}

std::vector<float> CpuModel::forward(const std::vector<std::int32_t>& tokens, std::int64_t startPos, KvCache& cache,
                                     bool lastOnly, const std::atomic<bool>* cancel)
{
    const std::int64_t n = static_cast<std::int64_t>(tokens.size());
    const std::int64_t V = m_config.vocabSize;
    if (n == 0)
        throwUserError("forward needs at least one token");
    if (startPos < 0 || startPos > cache.size())
        throwInternalError("forward at position " + std::to_string(startPos) + " but the cache holds " +
                           std::to_string(cache.size()) + " tokens");
    for (std::int32_t t : tokens)
        if (t < 0 || t >= V)
            throwUserError("token id " + std::to_string(t) + " is outside the vocabulary (size " + std::to_string(V) + ")");
    if (startPos + n > cache.capacity())
        throw Error(ErrorKind::Resource, "context is full: " + std::to_string(startPos + n) +
                                             " tokens needed but the context holds " + std::to_string(cache.capacity()));
    cache.truncate(startPos);
    cache.append(tokens.data(), n);
    try {
        return run(tokens, startPos, cache, lastOnly, cancel);
    } catch (...) {
        cache.truncate(startPos);  // half-written rows must not be reused as a prefix
        throw;
    }
}

std::vector<float> CpuModel::run(const std::vector<std::int32_t>& tokens, std::int64_t startPos, KvCache& cache,
                                 bool lastOnly, const std::atomic<bool>* cancel)
{
    const std::int64_t n = static_cast<std::int64_t>(tokens.size());
    const std::int64_t H = m_config.hiddenSize, V = m_config.vocabSize;

    std::vector<float> h(static_cast<std::size_t>(n * H));     // fp32 [n, hidden] residual stream
    std::vector<float> x(h.size()), y(h.size());               // fp32 [n, hidden] normed input, sublayer out
    for (std::int64_t i = 0; i < n; ++i)
        toFloat(*m_embed, tokens[size_t(i)] * H, H, h.data() + i * H);
    const float eps = static_cast<float>(m_config.rmsNormEps);

    for (std::int64_t l = 0; l < m_config.numLayers; ++l) {
        if (cancel && cancel->load(std::memory_order_relaxed))
            throw Error(ErrorKind::Cancelled, "cancelled");
        const LayerWeights& lw = m_layers[size_t(l)];
        rmsnorm(m_pool, h.data(), n, H, lw.inputNorm.data(), H, eps, x.data(), H);
        attention(lw, l, x.data(), n, startPos, cache, y.data());
        for (std::size_t i = 0; i < h.size(); ++i)
            h[i] += y[i];
        rmsnorm(m_pool, h.data(), n, H, lw.postAttnNorm.data(), H, eps, x.data(), H);
        if (lw.moe) {
            moe(lw, x.data(), n, y.data());
        } else {
            std::vector<float> scratch;
            swigluMlp(m_pool, x.data(), n, lw.dense, y.data(), scratch);
        }
        for (std::size_t i = 0; i < h.size(); ++i)
            h[i] += y[i];
    }

    const std::int64_t first = lastOnly ? n - 1 : 0, rows = n - first;
    rmsnorm(m_pool, h.data() + first * H, rows, H, m_finalNorm.data(), H, eps, x.data(), H);
    std::vector<float> logits(static_cast<std::size_t>(rows * V));  // fp32 [rows, vocab]
    matmul(m_pool, x.data(), rows, WeightMatrix::of(*m_lmHead), logits.data());
    return logits;
}

}  // namespace fathom::inference::cpu
