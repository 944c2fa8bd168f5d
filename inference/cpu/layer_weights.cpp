// LayerWeights::bind: the hub names of a DeepSeek layer's tensors (as in expectedTensors(), GGUF's mapped
// onto them by WeightStore::openGguf).
#include "inference/cpu/layer_weights.h"

#include <string>

namespace fathom::inference::cpu {

std::vector<float> vectorToFloat(const TensorView& view)
{
    std::vector<float> v(static_cast<std::size_t>(view.numel()));
    toFloat(view, 0, view.numel(), v.data());
    return v;
}

LayerWeights LayerWeights::bind(const ModelConfig& c, const WeightStore& s, std::int64_t layer)
{
    const std::string p = "model.layers." + std::to_string(layer) + ".";
    auto m = [&](const std::string& name) { return WeightMatrix::of(s.get(p + name)); };
    auto v = [&](const std::string& name) { return vectorToFloat(s.get(p + name)); };
    auto mlp = [&](const std::string& q) { return SwigluWeights{m(q + "gate_proj.weight"), m(q + "up_proj.weight"), m(q + "down_proj.weight")}; };

    LayerWeights w;
    w.inputNorm = v("input_layernorm.weight");
    w.postAttnNorm = v("post_attention_layernorm.weight");
    if (c.qLoraRank == 0) {
        w.qProj = m("self_attn.q_proj.weight");
    } else {
        w.qAProj = m("self_attn.q_a_proj.weight");
        w.qANorm = v("self_attn.q_a_layernorm.weight");
        w.qBProj = m("self_attn.q_b_proj.weight");
    }
    w.kvAProj = m("self_attn.kv_a_proj_with_mqa.weight");
    w.kvANorm = v("self_attn.kv_a_layernorm.weight");
    // Newer GGUF files split kv_b_proj (WeightStore::validateAgainst accepts either form).
    if (const TensorView* kB = s.find(p + "self_attn.k_b_proj.weight"); kB && !s.find(p + "self_attn.kv_b_proj.weight")) {
        w.kvB.kB = WeightMatrix::collapsed(*kB);                                 // [heads·kv_lora, nope]
        w.kvB.vB = WeightMatrix::collapsed(s.get(p + "self_attn.v_b_proj.weight"));  // [heads·v, kv_lora]
    } else {
        w.kvB.kvB = m("self_attn.kv_b_proj.weight");
    }
    w.oProj = m("self_attn.o_proj.weight");
    w.moe = c.isMoeLayer(layer);
    if (!w.moe) {
        w.dense = mlp("mlp.");
        return w;
    }
    w.router = m("mlp.gate.weight");
    if (c.topkMethod == TopkMethod::NoauxTc)
        w.routerBias = v("mlp.gate.e_score_correction_bias");
    for (std::int64_t e = 0; e < c.nRoutedExperts; ++e)
        w.experts.push_back(mlp("mlp.experts." + std::to_string(e) + "."));
    w.hasShared = c.nSharedExperts > 0;
    if (w.hasShared)
        w.shared = mlp("mlp.shared_experts.");
    return w;
}

}  // namespace fathom::inference::cpu
