// MoE router: from one token's gate logits to its top-k experts and their weights, exactly as
// DeepSeek's code does it (docs/ARCHITECTURE.md, "Details that are easy to get wrong").
#pragma once

#include "inference/model/model_config.h"

#include <cstdint>

namespace fathom::inference::cpu {

struct RoutingParams {
    std::int64_t nExperts = 0;     // routed experts (gate rows)
    std::int64_t topK = 0;         // experts per token
    std::int64_t nGroup = 1;       // expert groups (group_limited_greedy, noaux_tc)
    std::int64_t topkGroup = 1;    // groups kept
    TopkMethod method = TopkMethod::Greedy;
    ScoringFunc scoring = ScoringFunc::Softmax;
    bool normTopkProb = false;
    float routedScalingFactor = 1.0f;
    const float* bias = nullptr;   // fp32 [nExperts] e_score_correction_bias (noaux_tc), else null

    static RoutingParams fromConfig(const ModelConfig& config, const float* bias);
};

// logits: fp32 [nExperts]. Writes experts[topK] (descending by selection score, ties to the lower
// index) and weights[topK]. scratch: fp32 [2 * nExperts + nGroup].
void routeToken(const RoutingParams& p, const float* logits, std::int32_t* experts, float* weights, float* scratch);

}  // namespace fathom::inference::cpu
