// CpuModel::attention: one MLA block. q (optionally through the q_lora bottleneck), kv_a ->
// [latent | rope key] into the cache (latent normed, key rotated), rope on q's rope part, then the
// expanded or absorbed attention core and o_proj.
#include "inference/cpu/cpu_model.h"

#include "inference/cpu/layer_weights.h"
#include "inference/cpu/matmul.h"
#include "inference/cpu/mla_attention.h"
#include "inference/cpu/rmsnorm.h"
#include "inference/cpu/rope.h"

namespace fathom::inference::cpu {

void CpuModel::attention(const LayerWeights& lw, std::int64_t layer, const float* x, std::int64_t n,
                         std::int64_t startPos, KvCache& cache, float* out)
{
    const ModelConfig& c = m_config;
    const float eps = static_cast<float>(c.rmsNormEps);
    MlaShape s;
    s.nQuery = n;
    s.startPos = startPos;
    s.nHeads = c.numHeads;
    s.nopeDim = c.qkNopeHeadDim;
    s.ropeDim = c.qkRopeHeadDim;
    s.vDim = c.vHeadDim;
    s.kvLoraRank = c.kvLoraRank;
    s.scale = static_cast<float>(c.softmaxScale());
    const std::int64_t qkDim = s.nopeDim + s.ropeDim, L = s.kvLoraRank, row = L + s.ropeDim, T = s.nKeys();

    std::vector<float> q(static_cast<std::size_t>(n * s.nHeads * qkDim));  // fp32 [n, heads, nope + rope]
    if (c.qLoraRank == 0) {
        matmul(m_pool, x, n, lw.qProj, q.data());
    } else {
        std::vector<float> qa(static_cast<std::size_t>(n * c.qLoraRank));  // fp32 [n, q_lora]
        matmul(m_pool, x, n, lw.qAProj, qa.data());
        rmsnorm(m_pool, qa.data(), n, c.qLoraRank, lw.qANorm.data(), c.qLoraRank, eps, qa.data(), c.qLoraRank);
        matmul(m_pool, qa.data(), n, lw.qBProj, q.data());
    }

    // kv_a straight into this call's cache rows: [latent | rope key] has exactly the cache layout.
    float* rows = cache.layer(layer) + startPos * row;  // fp32 [n, kv_lora + rope]
    matmul(m_pool, x, n, lw.kvAProj, rows);
    rmsnorm(m_pool, rows, n, row, lw.kvANorm.data(), L, eps, rows, row);
    for (std::int64_t i = 0; i < n; ++i) {
        m_rope->apply(rows + i * row + L, 1, row, startPos + i);
        m_rope->apply(q.data() + i * s.nHeads * qkDim + s.nopeDim, s.nHeads, qkDim, startPos + i);
    }

    // Work estimates (multiply-adds): expanded up-projects every cached token, absorbed folds
    // W_uk / W_uv into each query and attends over the 576-wide latent.
    const double perHeadKv = double(s.nopeDim + s.vDim) * double(L);
    const double expanded = double(T) * s.nHeads * perHeadKv + double(n) * T * s.nHeads * double(qkDim + s.vDim);
    const double absorbed = double(n) * s.nHeads * perHeadKv + double(n) * T * s.nHeads * double(2 * L + s.ropeDim);
    const bool useAbsorbed = m_mlaMode == MlaMode::Absorbed || (m_mlaMode == MlaMode::Auto && absorbed < expanded);

    std::vector<float> attn(static_cast<std::size_t>(n * s.nHeads * s.vDim));  // fp32 [n, heads, v]
    const float* all = cache.layer(layer);  // fp32 [T, kv_lora + rope]
    if (useAbsorbed) {
        mlaAttentionAbsorbed(m_pool, s, q.data(), lw.kvB, all, attn.data());
    } else {
        std::vector<float> kv(static_cast<std::size_t>(T * s.nHeads * (s.nopeDim + s.vDim)));  // fp32 [T, heads, nope + v]
        mlaExpandLatent(m_pool, s, lw.kvB, all, kv.data());
        mlaAttentionExpanded(m_pool, s, q.data(), kv.data(), all, attn.data());
    }
    matmul(m_pool, attn.data(), n, lw.oProj, out);
}

}  // namespace fathom::inference::cpu
