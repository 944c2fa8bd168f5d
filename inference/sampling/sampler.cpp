// Sampler. The generator is xoshiro256** seeded through splitmix64 (not std::mt19937 + a standard
// distribution, whose outputs differ between standard libraries).
#include "inference/sampling/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_set>

namespace fathom::inference {

namespace {

std::uint64_t splitmix64(std::uint64_t& x)
{
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

Sampler::Sampler(const SamplingParams& params) : m_params(params)
{
    std::uint64_t s = params.seed;
    for (std::uint64_t& w : m_state)
        w = splitmix64(s);
}

double Sampler::nextUniform()
{
    const std::uint64_t result = rotl(m_state[1] * 5, 7) * 9;
    const std::uint64_t t = m_state[1] << 17;
    m_state[2] ^= m_state[0];
    m_state[3] ^= m_state[1];
    m_state[1] ^= m_state[2];
    m_state[0] ^= m_state[3];
    m_state[2] ^= t;
    m_state[3] = rotl(m_state[3], 45);
    return double(result >> 11) * 0x1.0p-53;
}

std::int32_t Sampler::sample(const float* logits, std::int64_t vocab, const std::vector<std::int32_t>& history)
{
    m_logits.assign(logits, logits + vocab);
    // HF's repetition penalty: each token seen before is made less likely once, whatever its count.
    if (m_params.repetitionPenalty != 1.0f && m_params.repetitionPenalty > 0.0f) {
        std::unordered_set<std::int32_t> seen(history.begin(), history.end());
        for (std::int32_t t : seen) {
            if (t < 0 || t >= vocab)
                continue;
            float& v = m_logits[size_t(t)];
            v = v < 0 ? v * m_params.repetitionPenalty : v / m_params.repetitionPenalty;
        }
    }
    if (m_params.temperature <= 0.0f)  // greedy; the lowest id wins a tie
        return static_cast<std::int32_t>(std::max_element(m_logits.begin(), m_logits.end()) - m_logits.begin());

    m_candidates.clear();
    for (std::int64_t i = 0; i < vocab; ++i)
        if (!std::isnan(m_logits[size_t(i)]))
            m_candidates.push_back({static_cast<std::int32_t>(i), m_logits[size_t(i)] / m_params.temperature});
    if (m_candidates.empty())
        return 0;
    auto byValue = [](const Candidate& a, const Candidate& b) { return a.value > b.value || (a.value == b.value && a.id < b.id); };
    std::size_t keep = m_candidates.size();
    if (m_params.topK > 0 && std::size_t(m_params.topK) < keep) {
        keep = std::size_t(m_params.topK);
        std::nth_element(m_candidates.begin(), m_candidates.begin() + std::ptrdiff_t(keep) - 1, m_candidates.end(), byValue);
        m_candidates.resize(keep);
    }
    std::sort(m_candidates.begin(), m_candidates.end(), byValue);
    // Softmax over the survivors (values become probabilities).
    const float mx = m_candidates[0].value;
    double sum = 0;
    for (Candidate& c : m_candidates) {
        c.value = std::exp(c.value - mx);
        sum += c.value;
    }
    for (Candidate& c : m_candidates)
        c.value = static_cast<float>(c.value / sum);
    if (m_params.topP < 1.0f) {  // smallest prefix whose mass reaches top_p
        double mass = 0;
        std::size_t n = 0;
        while (n < keep && mass < m_params.topP)
            mass += m_candidates[n++].value;
        keep = std::max<std::size_t>(1, n);
    }
    if (m_params.minP > 0.0f) {  // drop tokens below min_p × the most likely one
        const float floor = m_params.minP * m_candidates[0].value;
        std::size_t n = 1;
        while (n < keep && m_candidates[n].value >= floor)
            ++n;
        keep = n;
    }
    double total = 0;
    for (std::size_t i = 0; i < keep; ++i)
        total += m_candidates[i].value;
    double r = nextUniform() * total;
    for (std::size_t i = 0; i < keep; ++i) {
        r -= m_candidates[i].value;
        if (r < 0)
            return m_candidates[i].id;
    }
    return m_candidates[keep - 1].id;
}

}  // namespace fathom::inference
