// routeToken. V2 (greedy / group_limited_greedy): softmax scores, weights normalized only when
// norm_topk_prob and top_k > 1, else × routed_scaling_factor; a group scores its max expert.
// V3 (noaux_tc): sigmoid scores, bias only for choosing, a group scores the sum of its top-2
// biased scores, experts outside kept groups are excluded (-inf), weights = unbiased scores,
// normalized if norm_topk_prob, then always × routed_scaling_factor.
#include "inference/cpu/moe_routing.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace fathom::inference::cpu {

namespace {

// Indices of the k largest values, descending; ties go to the lower index (like a stable sort).
void topK(const float* v, std::int64_t n, std::int64_t k, std::int32_t* out)
{
    for (std::int64_t j = 0; j < k; ++j) {
        std::int64_t best = -1;
        for (std::int64_t i = 0; i < n; ++i) {
            bool taken = false;
            for (std::int64_t q = 0; q < j; ++q)
                taken = taken || out[q] == i;
            if (!taken && (best < 0 || v[i] > v[best]))
                best = i;
        }
        out[j] = static_cast<std::int32_t>(best);
    }
}

}  // namespace

RoutingParams RoutingParams::fromConfig(const ModelConfig& c, const float* bias)
{
    RoutingParams p;
    p.nExperts = c.nRoutedExperts;
    p.topK = c.numExpertsPerTok;
    p.nGroup = std::max<std::int64_t>(1, c.nGroup);
    p.topkGroup = std::max<std::int64_t>(1, c.topkGroup);
    p.method = c.topkMethod;
    p.scoring = c.scoringFunc;
    p.normTopkProb = c.normTopkProb;
    p.routedScalingFactor = static_cast<float>(c.routedScalingFactor);
    p.bias = bias;
    return p;
}

void routeToken(const RoutingParams& p, const float* logits, std::int32_t* experts, float* weights, float* scratch)
{
    const std::int64_t E = p.nExperts;
    float* scores = scratch;       // [E]
    float* choice = scratch + E;   // [E] scores used for choosing
    float* group = scratch + 2 * E;  // [nGroup]

    if (p.scoring == ScoringFunc::Sigmoid) {
        for (std::int64_t e = 0; e < E; ++e)
            scores[e] = 1.0f / (1.0f + std::exp(-logits[e]));
    } else {
        float mx = -std::numeric_limits<float>::infinity();
        for (std::int64_t e = 0; e < E; ++e)
            mx = std::max(mx, logits[e]);
        double sum = 0;
        for (std::int64_t e = 0; e < E; ++e) {
            scores[e] = std::exp(logits[e] - mx);
            sum += scores[e];
        }
        for (std::int64_t e = 0; e < E; ++e)
            scores[e] = static_cast<float>(scores[e] / sum);
    }
    for (std::int64_t e = 0; e < E; ++e)
        choice[e] = (p.method == TopkMethod::NoauxTc && p.bias) ? scores[e] + p.bias[e] : scores[e];

    if (p.method != TopkMethod::Greedy && p.nGroup > 1) {
        const std::int64_t per = E / p.nGroup;
        for (std::int64_t g = 0; g < p.nGroup; ++g) {
            const float* s = choice + g * per;
            if (p.method == TopkMethod::GroupLimitedGreedy) {
                group[g] = *std::max_element(s, s + per);
            } else {  // noaux_tc: sum of the group's two best biased scores
                std::int32_t two[2] = {0, 0};
                const std::int64_t k = std::min<std::int64_t>(2, per);
                topK(s, per, k, two);
                group[g] = s[two[0]] + (k > 1 ? s[two[1]] : 0.0f);
            }
        }
        std::int32_t kept[256];
        const std::int64_t keep = std::min<std::int64_t>({p.topkGroup, p.nGroup, 256});
        topK(group, p.nGroup, keep, kept);
        for (std::int64_t g = 0; g < p.nGroup; ++g) {
            if (std::find(kept, kept + keep, g) != kept + keep)
                continue;
            // V2 masks with 0 (its softmax scores are > 0, so the same thing); V3 with -inf.
            for (std::int64_t e = g * per; e < (g + 1) * per; ++e)
                choice[e] = -std::numeric_limits<float>::infinity();
        }
    }

    topK(choice, E, p.topK, experts);
    double sum = 0;
    for (std::int64_t j = 0; j < p.topK; ++j) {
        weights[j] = scores[experts[j]];
        sum += weights[j];
    }
    if (p.method == TopkMethod::NoauxTc) {
        for (std::int64_t j = 0; j < p.topK; ++j) {
            if (p.normTopkProb)
                weights[j] = static_cast<float>(weights[j] / (sum + 1e-20));
            weights[j] *= p.routedScalingFactor;
        }
    } else if (p.topK > 1 && p.normTopkProb) {
        for (std::int64_t j = 0; j < p.topK; ++j)
            weights[j] = static_cast<float>(weights[j] / (sum + 1e-20));
    } else {
        for (std::int64_t j = 0; j < p.topK; ++j)
            weights[j] *= p.routedScalingFactor;
    }
}

}  // namespace fathom::inference::cpu
