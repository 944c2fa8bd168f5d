// One decoder layer's weights resolved once from the WeightStore: matrices as views into the
// mapped files, the small vectors (norm gains, router bias) widened to fp32.
#pragma once

#include "inference/cpu/mla_attention.h"
#include "inference/cpu/swiglu_mlp.h"
#include "inference/cpu/weight_matrix.h"
#include "inference/model/model_config.h"
#include "inference/model/weight_store.h"

#include <cstdint>
#include <vector>

namespace fathom::inference::cpu {

struct LayerWeights {
    std::vector<float> inputNorm;      // fp32 [hidden]
    std::vector<float> postAttnNorm;   // fp32 [hidden]
    // MLA
    WeightMatrix qProj;                // [heads·(nope+rope), hidden] when q_lora_rank is null
    WeightMatrix qAProj;               // [q_lora, hidden] otherwise, then q_a_layernorm, then
    std::vector<float> qANorm;         // fp32 [q_lora]
    WeightMatrix qBProj;               // [heads·(nope+rope), q_lora]
    WeightMatrix kvAProj;              // [kv_lora + rope, hidden]
    std::vector<float> kvANorm;        // fp32 [kv_lora]
    MlaUpProjection kvB;               // kv_b_proj, whole [heads·(nope+v), kv_lora] or split (mla_attention.h)
    WeightMatrix oProj;                // [hidden, heads·v]
    // FFN: dense (mlp) or MoE (router + experts + shared)
    bool moe = false;
    SwigluWeights dense;
    WeightMatrix router;               // [n_experts, hidden]
    std::vector<float> routerBias;     // fp32 [n_experts] (noaux_tc) or empty
    std::vector<SwigluWeights> experts;
    bool hasShared = false;
    SwigluWeights shared;              // n_shared experts fused: [moe_inter·n_shared, hidden]

    static LayerWeights bind(const ModelConfig& config, const WeightStore& store, std::int64_t layer);
};

// A 1-D tensor widened to fp32.
std::vector<float> vectorToFloat(const TensorView& view);

}  // namespace fathom::inference::cpu
