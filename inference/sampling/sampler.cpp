// Sampler: the reference implementation of the rule in sampler.h. Written for clarity over speed
// (one pass per step of the rule, a sort for top-k / top-p); the CPU backend's time goes to the
// model, not here. Every float operation is one IEEE operation (no fused multiply-add), as in the
// GPU kernel, so the two agree wherever a draw does not land on a rounding boundary.
#include "inference/sampling/sampler.h"

#include "base/philox.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <unordered_map>

namespace fathom::inference {

std::uint64_t samplingWeight(float e) { return sampleWeightFixed(e); }

Sampler::Sampler(const SamplingParams& params) : m_params(params) {}

std::int32_t Sampler::sample(const float* logits, std::int64_t vocab, std::span<const std::int32_t> recent, std::uint64_t draw)
{
    const SamplingParams& p = m_params;
    const std::size_t V = static_cast<std::size_t>(vocab);
    m_z.assign(logits, logits + V);
    for (float v : m_z)
        if (!std::isfinite(v))
            return -1;

    const bool penalize = p.repetitionPenalty != 1.0f || p.presencePenalty != 0.0f || p.frequencyPenalty != 0.0f;
    if (penalize && !recent.empty()) {
        std::unordered_map<std::int32_t, int> counts;
        for (std::int32_t t : recent)
            if (t >= 0 && std::size_t(t) < V)
                ++counts[t];
        for (const auto& [t, n] : counts) {
            float& v = m_z[std::size_t(t)];
            if (p.repetitionPenalty > 0.0f && p.repetitionPenalty != 1.0f)
                v = v > 0.0f ? v / p.repetitionPenalty : v * p.repetitionPenalty;
            const float byCount = p.frequencyPenalty * static_cast<float>(n);
            v = (v - byCount) - p.presencePenalty;
        }
    }

    if (p.temperature <= 0.0f)  // greedy; the lowest id wins a tie
        return static_cast<std::int32_t>(std::max_element(m_z.begin(), m_z.end()) - m_z.begin());

    m_keys.resize(V);
    for (std::size_t i = 0; i < V; ++i) {
        m_z[i] = m_z[i] / p.temperature;
        m_keys[i] = orderKey(std::bit_cast<std::uint32_t>(m_z[i]));
    }
    const float M = *std::max_element(m_z.begin(), m_z.end());
    m_w.resize(V);
    for (std::size_t i = 0; i < V; ++i)
        m_w[i] = sampleWeightFixed(std::exp(m_z[i] - M));

    // Thresholds as ordered keys: a token is kept when its key is >= the threshold.
    std::uint32_t threshold = 0;
    if (p.topK > 0 && std::size_t(p.topK) < V) {
        m_sorted = m_keys;
        std::nth_element(m_sorted.begin(), m_sorted.begin() + (p.topK - 1), m_sorted.end(), std::greater<>());
        threshold = m_sorted[std::size_t(p.topK - 1)];
        for (std::size_t i = 0; i < V; ++i)
            if (m_keys[i] < threshold)
                m_w[i] = 0;
    }
    if (p.topP < 1.0f) {
        std::uint64_t mass = 0;
        for (std::uint64_t w : m_w)
            mass += w;
        const auto target = static_cast<std::uint64_t>(static_cast<double>(p.topP) * static_cast<double>(mass));
        // Weight per distinct key, best first: the cut is the first key where the running mass reaches target.
        std::vector<std::pair<std::uint32_t, std::uint64_t>> byKey;
        byKey.reserve(V);
        for (std::size_t i = 0; i < V; ++i)
            if (m_keys[i] >= threshold)
                byKey.emplace_back(m_keys[i], m_w[i]);
        std::sort(byKey.begin(), byKey.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
        std::uint64_t run = 0;
        std::uint32_t cut = byKey.empty() ? threshold : byKey.front().first;
        for (std::size_t i = 0; i < byKey.size();) {
            const std::uint32_t key = byKey[i].first;
            for (; i < byKey.size() && byKey[i].first == key; ++i)
                run += byKey[i].second;
            cut = key;
            if (run >= target)
                break;
        }
        threshold = std::max(threshold, cut);
    }
    const std::uint64_t minW = p.minP > 0.0f ? sampleWeightFixed(std::min(p.minP, 1.0f)) : 0;
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < V; ++i) {
        if (m_keys[i] < threshold || m_w[i] < minW)
            m_w[i] = 0;
        total += m_w[i];
    }
    const std::uint32_t u = philox32(p.seed, draw, 0);
    const std::uint64_t target = samplingTarget(total, u);
    std::uint64_t run = 0;
    std::int32_t last = 0;
    for (std::size_t i = 0; i < V; ++i) {
        if (m_w[i] == 0)
            continue;
        run += m_w[i];
        last = static_cast<std::int32_t>(i);
        if (run > target)
            return last;
    }
    return last;  // unreachable while total > 0: the best token always weighs 2^40
}

}  // namespace fathom::inference
