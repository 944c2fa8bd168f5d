// CpuModel::moe: route every token, run each chosen expert once over all tokens routed to it
// (gathered rows, so prefill gets GEMMs), add the weighted outputs and the shared experts.
#include "inference/cpu/cpu_model.h"

#include "inference/cpu/layer_weights.h"
#include "inference/cpu/matmul.h"
#include "inference/cpu/moe_routing.h"
#include "inference/cpu/swiglu_mlp.h"

#include <algorithm>
#include <cstring>

namespace fathom::inference::cpu {

void CpuModel::moe(const LayerWeights& lw, const float* x, std::int64_t n, float* out)
{
    const ModelConfig& c = m_config;
    const std::int64_t H = c.hiddenSize, E = c.nRoutedExperts, K = c.numExpertsPerTok;
    std::vector<float> logits(static_cast<std::size_t>(n * E));  // fp32 [n, experts]
    matmul(m_pool, x, n, lw.router, logits.data());

    const RoutingParams params = RoutingParams::fromConfig(c, lw.routerBias.empty() ? nullptr : lw.routerBias.data());
    std::vector<std::int32_t> chosen(static_cast<std::size_t>(n * K));  // [n, top_k]
    std::vector<float> weight(static_cast<std::size_t>(n * K));         // fp32 [n, top_k]
    std::vector<float> scratch(static_cast<std::size_t>(2 * E + params.nGroup));
    for (std::int64_t t = 0; t < n; ++t)
        routeToken(params, logits.data() + t * E, chosen.data() + t * K, weight.data() + t * K, scratch.data());

    std::vector<float> mlpScratch;
    if (lw.hasShared)
        swigluMlp(m_pool, x, n, lw.shared, out, mlpScratch);
    else
        std::memset(out, 0, static_cast<std::size_t>(n * H) * sizeof(float));

    std::vector<std::int64_t> rows;          // tokens routed to the current expert
    std::vector<float> rowWeights, xe, ye;   // fp32 [m], [m, hidden], [m, hidden]
    for (std::int64_t e = 0; e < E; ++e) {
        rows.clear();
        rowWeights.clear();
        for (std::int64_t i = 0; i < n * K; ++i) {
            if (chosen[size_t(i)] == e) {
                rows.push_back(i / K);
                rowWeights.push_back(weight[size_t(i)]);
            }
        }
        if (rows.empty())
            continue;
        const std::int64_t m = static_cast<std::int64_t>(rows.size());
        xe.resize(static_cast<std::size_t>(m * H));
        ye.resize(xe.size());
        for (std::int64_t r = 0; r < m; ++r)
            std::memcpy(xe.data() + r * H, x + rows[size_t(r)] * H, static_cast<std::size_t>(H) * sizeof(float));
        swigluMlp(m_pool, xe.data(), m, lw.experts[size_t(e)], ye.data(), mlpScratch);
        for (std::int64_t r = 0; r < m; ++r) {
            float* o = out + rows[size_t(r)] * H;
            const float* yr = ye.data() + r * H;
            const float w = rowWeights[size_t(r)];
            for (std::int64_t i = 0; i < H; ++i)
                o[i] += w * yr[i];
        }
    }
}

}  // namespace fathom::inference::cpu
