// deepseek2 GGUF metadata -> ModelConfig. The keys are the ones llama.cpp's converter writes
// (conversion/deepseek.py, DeepseekV2Model) and its loader reads (src/models/deepseek2.cpp); they are
// turned into the config.json fields they came from and validated by ModelConfig::fromJson, so a
// GGUF and its hub checkpoint give the same ModelConfig under the same checks.
#include "inference/model/gguf_model.h"

#include "inference/model/gguf_metadata.h"
#include "base/error.h"

#include <nlohmann/json.hpp>

namespace fathom::inference {

namespace {

const GgufTensorInfo* findTensor(const GgufLayout& g, std::string_view name)
{
    for (const GgufTensorInfo& t : g.tensors)
        if (t.name == name)
            return &t;
    return nullptr;
}

// The vocab size: deepseek2.vocab_size, else the token list's length (llama.cpp's order), else
// the embedding's rows.
std::int64_t vocabSize(const GgufMetadata& m, const GgufLayout& g, const std::string& a)
{
    if (auto v = m.integer(a + ".vocab_size"))
        return *v;
    if (const GgufValue* tokens = m.find("tokenizer.ggml.tokens"); tokens && tokens->type == GgufType::Array)
        return static_cast<std::int64_t>(tokens->items.size());
    if (const GgufTensorInfo* e = findTensor(g, "token_embd.weight"); e && e->ne.size() == 2)
        return e->ne[1];
    throwFileError(m.path(), "cannot tell the vocabulary size: no " + a + ".vocab_size, no tokenizer.ggml.tokens and no "
                             "2-D token_embd.weight");
}

void readRope(const GgufMetadata& m, const std::string& a, nlohmann::json& j)
{
    j["rope_theta"] = m.number(a + ".rope.freq_base").value_or(10000.0);
    const std::string type = m.string(a + ".rope.scaling.type").value_or("none");
    if (type == "none")
        return;
    if (type != "yarn")
        m.fail(a + ".rope.scaling.type", "is \"" + type + "\"; DeepSeek models use \"yarn\" (or none)");
    nlohmann::json s = {{"type", "yarn"}};
    if (auto f = m.number(a + ".rope.scaling.factor"))
        s["factor"] = *f;
    if (auto o = m.integer(a + ".rope.scaling.original_context_length"))
        s["original_max_position_embeddings"] = *o;
    if (auto b = m.number(a + ".rope.scaling.yarn_beta_fast"))
        s["beta_fast"] = *b;
    if (auto b = m.number(a + ".rope.scaling.yarn_beta_slow"))
        s["beta_slow"] = *b;
    // The converter stores 0.1 × mscale_all_dim and not mscale; llama.cpp then takes mscale equal
    // to mscale_all_dim (TAG_DEEPSEEK2_YARN_LOG_MUL_FIX), which holds for every DeepSeek config
    // (V2-Lite 0.707 / 0.707, V2 and V3 1.0 / 1.0). Without the key yarn's own mscale is 1.
    if (auto mul = m.number(a + ".rope.scaling.yarn_log_multiplier")) {
        const double allDim = *mul / 0.1;
        s["mscale_all_dim"] = allDim;
        s["mscale"] = allDim;
    }
    j["rope_scaling"] = s;
}

void readMoe(const GgufMetadata& m, const std::string& a, bool hasRouterBias, nlohmann::json& j)
{
    const auto experts = m.integer(a + ".expert_count");
    if (!experts || *experts == 0)
        return;  // dense model
    j["n_routed_experts"] = *experts;
    j["num_experts_per_tok"] = m.requireInteger(a + ".expert_used_count");
    j["moe_intermediate_size"] = m.requireInteger(a + ".expert_feed_forward_length");
    j["n_shared_experts"] = m.integer(a + ".expert_shared_count").value_or(0);
    j["first_k_dense_replace"] = m.integer(a + ".leading_dense_block_count").value_or(0);
    j["routed_scaling_factor"] = m.number(a + ".expert_weights_scale").value_or(1.0);
    j["norm_topk_prob"] = m.boolean(a + ".expert_weights_norm").value_or(false);
    const std::int64_t groups = m.integer(a + ".expert_group_count").value_or(1);
    j["n_group"] = groups;
    j["topk_group"] = m.integer(a + ".expert_group_used_count").value_or(groups);
    // llama_expert_gating_func_type: 1 softmax, 2 sigmoid (absent: softmax, as llama.cpp assumes).
    const std::int64_t gating = m.integer(a + ".expert_gating_func").value_or(1);
    if (gating == 2) {
        // Sigmoid scoring is DeepSeek-V3's noaux_tc, whose selection bias is exp_probs_b.
        if (!hasRouterBias)
            m.fail(a + ".expert_gating_func", "is sigmoid (DeepSeek-V3 routing) but the file has no blk.N.exp_probs_b.bias");
        j["scoring_func"] = "sigmoid";
        j["topk_method"] = "noaux_tc";
    } else if (gating == 1) {
        j["scoring_func"] = "softmax";
        j["topk_method"] = groups > 1 ? "group_limited_greedy" : "greedy";
    } else {
        m.fail(a + ".expert_gating_func", "is " + std::to_string(gating) + "; DeepSeek uses 1 (softmax) or 2 (sigmoid)");
    }
}

}  // namespace

ModelConfig modelConfigFromGguf(const GgufLayout& g, const std::string& path)
{
    const GgufMetadata m(g, path);
    const std::string arch = m.requireString("general.architecture");
    if (arch != "deepseek2")
        throwFileError(path, "general.architecture is \"" + arch + "\"; Fathom runs DeepSeek-V2/V3 GGUF files (deepseek2)");
    const std::string& a = arch;

    nlohmann::json j;
    bool hasRouterBias = false;
    for (const GgufTensorInfo& t : g.tensors)
        hasRouterBias = hasRouterBias || t.name.find(".exp_probs_b.") != std::string::npos;
    const bool v3 = m.integer(a + ".expert_gating_func").value_or(1) == 2;
    j["architectures"] = {v3 ? "DeepseekV3ForCausalLM" : "DeepseekV2ForCausalLM"};
    j["model_type"] = v3 ? "deepseek_v3" : "deepseek_v2";
    j["vocab_size"] = vocabSize(m, g, a);
    j["hidden_size"] = m.requireInteger(a + ".embedding_length");
    j["intermediate_size"] = m.requireInteger(a + ".feed_forward_length");
    j["num_hidden_layers"] = m.requireInteger(a + ".block_count");
    j["num_attention_heads"] = m.requireInteger(a + ".attention.head_count");
    if (auto q = m.integer(a + ".attention.q_lora_rank"); q && *q > 0)
        j["q_lora_rank"] = *q;
    j["kv_lora_rank"] = m.requireInteger(a + ".attention.kv_lora_rank");
    const std::int64_t rope = m.requireInteger(a + ".rope.dimension_count");
    j["qk_rope_head_dim"] = rope;
    // Newer files describe MLA as MQA over the latent (key_length = kv_lora + rope) and keep the
    // per-head sizes in *_mla; older ones have the per-head sizes in key_length / value_length.
    const bool mla = m.has(a + ".attention.key_length_mla");
    const std::int64_t keyLength = m.requireInteger(a + (mla ? ".attention.key_length_mla" : ".attention.key_length"));
    j["qk_nope_head_dim"] = keyLength - rope;
    j["v_head_dim"] = m.requireInteger(a + (mla ? ".attention.value_length_mla" : ".attention.value_length"));
    readMoe(m, a, hasRouterBias, j);
    j["rms_norm_eps"] = m.number(a + ".attention.layer_norm_rms_epsilon").value_or(1e-6);
    j["max_position_embeddings"] = m.requireInteger(a + ".context_length");
    readRope(m, a, j);
    j["tie_word_embeddings"] = findTensor(g, "output.weight") == nullptr;
    for (const char* id : {"bos", "eos"})
        if (auto v = m.integer(std::string("tokenizer.ggml.") + id + "_token_id"))
            j[std::string(id) + "_token_id"] = *v;
    // The same checks as config.json; the messages name the config.json field the key stands for.
    return ModelConfig::fromJson(j, path + " (deepseek2 metadata, as config.json fields)");
}

}  // namespace fathom::inference
