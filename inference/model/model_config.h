// The architecture hyper-parameters of a DeepSeek-V2 / V3 checkpoint, read from its config.json
// (hub format) and validated before any weight is touched (docs/RELIABILITY.md cases 6-7).
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace fathom::inference {

enum class TopkMethod { Greedy, GroupLimitedGreedy, NoauxTc };
enum class ScoringFunc { Softmax, Sigmoid };

// rope_scaling from config.json; type "yarn" is the only scaling DeepSeek ships.
struct RopeScaling {
    bool yarn = false;
    double factor = 1.0;
    std::int64_t originalMaxPosition = 0;
    double betaFast = 32.0;
    double betaSlow = 1.0;
    double mscale = 1.0;
    double mscaleAllDim = 0.0;  // 0 = absent
};

struct ModelConfig {
    std::string architecture;  // "DeepseekV2ForCausalLM" | "DeepseekV3ForCausalLM"
    std::string modelType;     // "deepseek_v2" | "deepseek_v3"

    std::int64_t vocabSize = 0;
    std::int64_t hiddenSize = 0;
    std::int64_t intermediateSize = 0;     // dense MLP
    std::int64_t moeIntermediateSize = 0;  // one routed/shared expert
    std::int64_t numLayers = 0;
    std::int64_t numHeads = 0;

    // MLA
    std::int64_t qLoraRank = 0;  // 0 = q_lora_rank null: q_proj straight from hidden
    std::int64_t kvLoraRank = 0;
    std::int64_t qkNopeHeadDim = 0;
    std::int64_t qkRopeHeadDim = 0;
    std::int64_t vHeadDim = 0;

    // MoE
    std::int64_t nRoutedExperts = 0;  // 0 = dense model
    std::int64_t nSharedExperts = 0;
    std::int64_t numExpertsPerTok = 0;
    std::int64_t nGroup = 1;
    std::int64_t topkGroup = 1;
    TopkMethod topkMethod = TopkMethod::Greedy;
    ScoringFunc scoringFunc = ScoringFunc::Softmax;
    bool normTopkProb = false;
    double routedScalingFactor = 1.0;
    std::int64_t firstKDenseReplace = 0;
    std::int64_t moeLayerFreq = 1;

    double rmsNormEps = 1e-6;
    double ropeTheta = 10000.0;
    std::int64_t maxPositionEmbeddings = 0;
    RopeScaling ropeScaling;
    bool tieWordEmbeddings = false;
    std::int64_t bosTokenId = -1;
    std::int64_t eosTokenId = -1;

    std::int64_t qkHeadDim() const { return qkNopeHeadDim + qkRopeHeadDim; }
    // DeepSeek: layer i is MoE iff n_routed_experts > 0, i >= first_k_dense_replace and
    // i % moe_layer_freq == 0.
    bool isMoeLayer(std::int64_t layer) const;
    // (qk_nope + qk_rope)^-0.5 × yarn_mscale(factor, mscale_all_dim)² (docs/ARCHITECTURE.md, 'Model
    // shapes').
    double softmaxScale() const;

    // Parses and validates; `source` names the file in every error ("config.json: ...").
    static ModelConfig fromJson(const nlohmann::json& j, const std::string& source);
    static ModelConfig fromFile(const std::string& path);
};

}  // namespace fathom::inference
