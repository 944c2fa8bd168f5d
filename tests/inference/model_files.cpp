// Test helpers for model loading; see model_files.h.
#include "model_files.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <stdexcept>

namespace fathom::test {

namespace fs = std::filesystem;
using nlohmann::json;

TempDir::TempDir()
{
    std::random_device rd;
    const fs::path base = fs::temp_directory_path();
    for (int attempt = 0; attempt < 100; ++attempt) {
        const fs::path p = base / ("fathom-test-" + std::to_string(rd()) + std::to_string(rd()));
        if (fs::create_directory(p)) {
            m_path = p.string();
            return;
        }
    }
    throw std::runtime_error("cannot create a temp folder");
}

TempDir::~TempDir()
{
    std::error_code ec;
    fs::remove_all(m_path, ec);
}

void writeBytes(const std::string& path, const std::string& bytes)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out)
        throw std::runtime_error("cannot write " + path);
}

namespace {

std::string lengthPrefix(std::uint64_t n)
{
    std::string s(8, '\0');
    for (int i = 0; i < 8; ++i)
        s[i] = static_cast<char>((n >> (8 * i)) & 0xff);
    return s;
}

std::string padded(std::string header)
{
    while (header.size() % 8 != 0)
        header += ' ';
    return header;
}

}  // namespace

void writeRawSafetensors(const std::string& path, const std::string& header, std::size_t dataBytes,
                         std::optional<std::uint64_t> headerLength, bool pad)
{
    const std::string h = pad ? padded(header) : header;
    writeBytes(path, lengthPrefix(headerLength.value_or(h.size())) + h + std::string(dataBytes, '\0'));
}

void writeSafetensors(const std::string& path, const std::vector<TensorData>& tensors, const json& metadata)
{
    json header = json::object();
    if (!metadata.is_null())
        header["__metadata__"] = metadata;
    std::string data;
    for (const TensorData& t : tensors) {
        std::int64_t numel = 1;
        for (auto d : t.shape)
            numel *= d;
        if (static_cast<std::int64_t>(t.values.size()) != numel)
            throw std::runtime_error("test tensor " + t.name + " has the wrong number of values");
        std::string bytes(static_cast<std::size_t>(numel) * inference::dtypeSize(t.dtype), '\0');
        inference::fromFloat(t.dtype, t.values.data(), numel, reinterpret_cast<std::byte*>(bytes.data()));
        header[t.name] = {{"dtype", inference::dtypeName(t.dtype)},
                          {"shape", t.shape},
                          {"data_offsets", {data.size(), data.size() + bytes.size()}}};
        data += bytes;
    }
    const std::string h = padded(header.dump());
    writeBytes(path, lengthPrefix(h.size()) + h + data);
}

void writeViews(const std::string& path, const std::vector<const inference::TensorView*>& views)
{
    json header = json::object();
    std::size_t offset = 0;
    for (const auto* v : views) {
        header[v->name] = {{"dtype", inference::dtypeName(v->dtype)},
                           {"shape", v->shape},
                           {"data_offsets", {offset, offset + v->nbytes}}};
        offset += v->nbytes;
    }
    const std::string h = padded(header.dump());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    const std::string prefix = lengthPrefix(h.size()) + h;
    out.write(prefix.data(), static_cast<std::streamsize>(prefix.size()));
    for (const auto* v : views)
        out.write(reinterpret_cast<const char*>(v->data), static_cast<std::streamsize>(v->nbytes));
    if (!out)
        throw std::runtime_error("cannot write " + path);
}

void writeModelFolder(const std::string& dir, const json& config, const inference::WeightStore& store, int shards)
{
    fs::create_directories(dir);
    writeBytes(dir + "/config.json", config.dump(2));
    std::vector<const inference::TensorView*> all;
    for (const auto& name : store.names())
        all.push_back(&store.get(name));
    if (shards == 1) {
        writeViews(dir + "/model.safetensors", all);
        return;
    }
    json index = {{"metadata", {{"total_size", store.totalBytes()}}}, {"weight_map", json::object()}};
    for (int s = 0; s < shards; ++s) {
        char name[64];
        std::snprintf(name, sizeof name, "model-%05d-of-%05d.safetensors", s + 1, shards);
        std::vector<const inference::TensorView*> part;
        for (std::size_t i = static_cast<std::size_t>(s); i < all.size(); i += static_cast<std::size_t>(shards)) {
            part.push_back(all[i]);
            index["weight_map"][all[i]->name] = name;
        }
        writeViews(dir + "/" + name, part);
    }
    writeBytes(dir + "/model.safetensors.index.json", index.dump(2));
}

json v2LiteConfig()
{
    return json::parse(R"({
      "architectures": ["DeepseekV2ForCausalLM"], "model_type": "deepseek_v2",
      "vocab_size": 102400, "hidden_size": 2048, "intermediate_size": 10944, "moe_intermediate_size": 1408,
      "num_hidden_layers": 27, "num_attention_heads": 16, "num_key_value_heads": 16,
      "q_lora_rank": null, "kv_lora_rank": 512, "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "v_head_dim": 128,
      "n_routed_experts": 64, "n_shared_experts": 2, "num_experts_per_tok": 6, "n_group": 1, "topk_group": 1,
      "topk_method": "greedy", "scoring_func": "softmax", "norm_topk_prob": false, "routed_scaling_factor": 1.0,
      "first_k_dense_replace": 1, "moe_layer_freq": 1, "aux_loss_alpha": 0.001, "seq_aux": true,
      "rms_norm_eps": 1e-06, "rope_theta": 10000, "max_position_embeddings": 163840,
      "rope_scaling": {"type": "yarn", "factor": 40, "original_max_position_embeddings": 4096,
                       "beta_fast": 32, "beta_slow": 1, "mscale": 0.707, "mscale_all_dim": 0.707},
      "tie_word_embeddings": false, "bos_token_id": 100000, "eos_token_id": 100001,
      "torch_dtype": "bfloat16", "use_cache": true, "attention_bias": false, "hidden_act": "silu"
    })");
}

json v2Config()
{
    json c = v2LiteConfig();
    c.update(json::parse(R"({
      "hidden_size": 5120, "intermediate_size": 12288, "moe_intermediate_size": 1536, "num_hidden_layers": 60,
      "num_attention_heads": 128, "num_key_value_heads": 128, "q_lora_rank": 1536, "n_routed_experts": 160,
      "n_group": 8, "topk_group": 3, "topk_method": "group_limited_greedy", "routed_scaling_factor": 16.0
    })"));
    c["rope_scaling"]["mscale"] = 1.0;
    c["rope_scaling"]["mscale_all_dim"] = 1.0;
    return c;
}

json v3Config()
{
    return json::parse(R"({
      "architectures": ["DeepseekV3ForCausalLM"], "model_type": "deepseek_v3",
      "vocab_size": 129280, "hidden_size": 7168, "intermediate_size": 18432, "moe_intermediate_size": 2048,
      "num_hidden_layers": 61, "num_nextn_predict_layers": 1, "num_attention_heads": 128, "num_key_value_heads": 128,
      "q_lora_rank": 1536, "kv_lora_rank": 512, "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "v_head_dim": 128,
      "n_routed_experts": 256, "n_shared_experts": 1, "num_experts_per_tok": 8, "n_group": 8, "topk_group": 4,
      "topk_method": "noaux_tc", "scoring_func": "sigmoid", "norm_topk_prob": true, "routed_scaling_factor": 2.5,
      "first_k_dense_replace": 3, "moe_layer_freq": 1, "rms_norm_eps": 1e-06, "rope_theta": 10000,
      "max_position_embeddings": 163840,
      "rope_scaling": {"type": "yarn", "factor": 40, "original_max_position_embeddings": 4096,
                       "beta_fast": 32, "beta_slow": 1, "mscale": 1.0, "mscale_all_dim": 1.0},
      "tie_word_embeddings": false, "bos_token_id": 0, "eos_token_id": 1,
      "quantization_config": {"activation_scheme": "dynamic", "fmt": "e4m3", "quant_method": "fp8",
                              "weight_block_size": [128, 128]}
    })");
}

json tinyV2Config()
{
    json c = v2LiteConfig();
    c.update(json::parse(R"({
      "vocab_size": 96, "hidden_size": 32, "intermediate_size": 48, "moe_intermediate_size": 16,
      "num_hidden_layers": 3, "num_attention_heads": 2, "kv_lora_rank": 16, "qk_nope_head_dim": 8,
      "qk_rope_head_dim": 4, "v_head_dim": 8, "n_routed_experts": 4, "n_shared_experts": 2,
      "num_experts_per_tok": 2, "max_position_embeddings": 256, "bos_token_id": 0, "eos_token_id": 1
    })"));
    c["rope_scaling"]["original_max_position_embeddings"] = 64;
    return c;
}

json tinyV3Config()
{
    json c = v3Config();
    c.update(json::parse(R"({
      "vocab_size": 80, "hidden_size": 32, "intermediate_size": 40, "moe_intermediate_size": 8,
      "num_hidden_layers": 3, "num_attention_heads": 2, "q_lora_rank": 12, "kv_lora_rank": 16,
      "qk_nope_head_dim": 8, "qk_rope_head_dim": 4, "v_head_dim": 8, "n_routed_experts": 8, "n_shared_experts": 1,
      "num_experts_per_tok": 2, "n_group": 4, "topk_group": 2, "first_k_dense_replace": 1,
      "max_position_embeddings": 256
    })"));
    c["rope_scaling"]["original_max_position_embeddings"] = 64;
    return c;
}

}  // namespace fathom::test
