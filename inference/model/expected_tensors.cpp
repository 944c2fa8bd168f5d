// The tensors a DeepSeek-V2/V3 checkpoint must hold, by exact hub name and shape, and the check of a
// WeightStore against them (docs/RELIABILITY.md cases 6 and 8).
#include "inference/model/weight_store_impl.h"

#include "base/error.h"

#include <set>

namespace fathom::inference {

namespace {

using Shape = std::vector<std::int64_t>;

// A spec plus the config fields its shape comes from, so a contradiction can be explained.
struct Expected {
    TensorSpec spec;
    std::string why;  // e.g. "vocab_size × hidden_size"
};

std::string num(std::int64_t v) { return std::to_string(v); }

std::vector<Expected> expectedWithReasons(const ModelConfig& c)
{
    std::vector<Expected> out;
    auto add = [&](std::string name, Shape shape, std::string why) {
        out.push_back({{std::move(name), std::move(shape)}, std::move(why)});
    };
    const std::int64_t H = c.hiddenSize, heads = c.numHeads;
    const std::string hid = "hidden_size " + num(H);
    const std::string qRows = "num_attention_heads " + num(heads) + " × (qk_nope_head_dim " + num(c.qkNopeHeadDim) +
                              " + qk_rope_head_dim " + num(c.qkRopeHeadDim) + ")";
    add("model.embed_tokens.weight", {c.vocabSize, H}, "vocab_size " + num(c.vocabSize) + " × " + hid);
    for (std::int64_t i = 0; i < c.numLayers; ++i) {
        const std::string p = "model.layers." + num(i) + ".";
        add(p + "input_layernorm.weight", {H}, hid);
        add(p + "post_attention_layernorm.weight", {H}, hid);
        if (c.qLoraRank == 0) {
            add(p + "self_attn.q_proj.weight", {heads * c.qkHeadDim(), H}, qRows + " × " + hid);
        } else {
            const std::string ql = "q_lora_rank " + num(c.qLoraRank);
            add(p + "self_attn.q_a_proj.weight", {c.qLoraRank, H}, ql + " × " + hid);
            add(p + "self_attn.q_a_layernorm.weight", {c.qLoraRank}, ql);
            add(p + "self_attn.q_b_proj.weight", {heads * c.qkHeadDim(), c.qLoraRank}, qRows + " × " + ql);
        }
        const std::string kvl = "kv_lora_rank " + num(c.kvLoraRank);
        add(p + "self_attn.kv_a_proj_with_mqa.weight", {c.kvLoraRank + c.qkRopeHeadDim, H},
            "(" + kvl + " + qk_rope_head_dim " + num(c.qkRopeHeadDim) + ") × " + hid);
        add(p + "self_attn.kv_a_layernorm.weight", {c.kvLoraRank}, kvl);
        add(p + "self_attn.kv_b_proj.weight", {heads * (c.qkNopeHeadDim + c.vHeadDim), c.kvLoraRank},
            "num_attention_heads " + num(heads) + " × (qk_nope_head_dim " + num(c.qkNopeHeadDim) + " + v_head_dim " +
                num(c.vHeadDim) + ") × " + kvl);
        add(p + "self_attn.o_proj.weight", {H, heads * c.vHeadDim},
            hid + " × num_attention_heads " + num(heads) + " × v_head_dim " + num(c.vHeadDim));
        auto mlp = [&](const std::string& q, std::int64_t inter, const std::string& interWhy) {
            add(q + "gate_proj.weight", {inter, H}, interWhy + " × " + hid);
            add(q + "up_proj.weight", {inter, H}, interWhy + " × " + hid);
            add(q + "down_proj.weight", {H, inter}, hid + " × " + interWhy);
        };
        if (!c.isMoeLayer(i)) {
            mlp(p + "mlp.", c.intermediateSize, "intermediate_size " + num(c.intermediateSize));
            continue;
        }
        const std::string nr = "n_routed_experts " + num(c.nRoutedExperts);
        add(p + "mlp.gate.weight", {c.nRoutedExperts, H}, nr + " × " + hid);
        if (c.topkMethod == TopkMethod::NoauxTc)
            add(p + "mlp.gate.e_score_correction_bias", {c.nRoutedExperts}, nr);
        const std::string mi = "moe_intermediate_size " + num(c.moeIntermediateSize);
        for (std::int64_t e = 0; e < c.nRoutedExperts; ++e)
            mlp(p + "mlp.experts." + num(e) + ".", c.moeIntermediateSize, mi);
        if (c.nSharedExperts > 0)
            mlp(p + "mlp.shared_experts.", c.moeIntermediateSize * c.nSharedExperts,
                mi + " × n_shared_experts " + num(c.nSharedExperts));
    }
    add("model.norm.weight", {H}, hid);
    if (!c.tieWordEmbeddings)
        add("lm_head.weight", {c.vocabSize, H}, "vocab_size " + num(c.vocabSize) + " × " + hid);
    return out;
}

std::string shapeText(const Shape& s)
{
    std::string t = "[";
    for (std::size_t i = 0; i < s.size(); ++i)
        t += (i ? ", " : "") + num(s[i]);
    return t + "]";
}

}  // namespace

// kv_b_proj split the way newer GGUF converters write it: k_b_proj [heads, kv_lora, nope] (W_uk
// per head, transposed) and v_b_proj [heads, v, kv_lora]. True when both are there with those shapes.
bool WeightStore::splitKvB(const ModelConfig& c, const std::string& kvB, const std::string& where,
                           std::set<std::string>& needed) const
{
    const std::string suffix = "kv_b_proj.weight";
    if (kvB.size() < suffix.size() || kvB.compare(kvB.size() - suffix.size(), suffix.size(), suffix) != 0)
        return false;
    const std::string p = kvB.substr(0, kvB.size() - suffix.size());
    const TensorView* k = find(p + "k_b_proj.weight");
    const TensorView* v = find(p + "v_b_proj.weight");
    if (!k && !v)
        return false;
    const std::string nh = "num_attention_heads " + num(c.numHeads), kvl = "kv_lora_rank " + num(c.kvLoraRank);
    const std::pair<const TensorView*, std::pair<Shape, std::string>> parts[] = {
        {k, {{c.numHeads, c.kvLoraRank, c.qkNopeHeadDim}, nh + " × " + kvl + " × qk_nope_head_dim " + num(c.qkNopeHeadDim)}},
        {v, {{c.numHeads, c.vHeadDim, c.kvLoraRank}, nh + " × v_head_dim " + num(c.vHeadDim) + " × " + kvl}},
    };
    for (const auto& [t, expected] : parts) {
        if (!t)
            throwFileError(where, "model has only one of " + p + "k_b_proj.weight and " + p +
                                      "v_b_proj.weight; the split MLA up-projection needs both");
        if (t->shape != expected.first)
            throwFileError(t->file.empty() ? where : t->file, "tensor " + t->name + " has shape " + shapeText(t->shape) +
                                                                  " but the config says " + shapeText(expected.first) +
                                                                  " (" + expected.second + ")");
        needed.insert(t->name);
    }
    return true;
}

std::vector<TensorSpec> expectedTensors(const ModelConfig& config)
{
    std::vector<TensorSpec> out;
    for (Expected& e : expectedWithReasons(config))
        out.push_back(std::move(e.spec));
    return out;
}

std::vector<std::string> WeightStore::validateAgainst(const ModelConfig& config, const std::string& folder) const
{
    const std::string where = folder.empty() ? std::string("model") : folder;
    std::set<std::string> needed;
    for (const Expected& e : expectedWithReasons(config)) {
        needed.insert(e.spec.name);
        const TensorView* t = find(e.spec.name);
        if (!t && splitKvB(config, e.spec.name, where, needed))
            continue;
        if (!t)
            throwFileError(where, "model is missing tensor " + e.spec.name + ", which " + config.architecture +
                                      " with this config.json needs");
        if (t->shape != e.spec.shape)
            throwFileError(t->file.empty() ? where : t->file,
                           "tensor " + e.spec.name + " has shape " + shapeText(t->shape) + " but config.json says " +
                               shapeText(e.spec.shape) + " (" + e.why + ")");
    }
    std::vector<std::string> unexpected;
    for (const auto& [name, t] : m_impl->tensors)
        if (!needed.count(name))
            unexpected.push_back(name);
    return unexpected;
}

}  // namespace fathom::inference
