// A .gguf as a whole model: deepseek2 metadata gives the config.json ModelConfig, llama.cpp's tensor
// names (split attn_k_b/attn_v_b and the older attn_kv_b, merged experts, shared experts, router bias)
// bind onto the CPU backend, and its logits equal the CPU engine's on the exactly dequantized weights
// laid out as a hub checkpoint by this test's own, independent mapping.
#include "gguf_builder.h"
#include "model_files.h"

#include "inference/cpu/cpu_model.h"
#include "inference/model/gguf_file.h"
#include "inference/model/gguf_model.h"
#include "inference/model/gguf_types.h"
#include "inference/model/model_open.h"
#include "inference/model/quant.h"
#include "inference/prompt/format_detect.h"
#include "inference/tokenizer/tokenizer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <random>

namespace fathom::inference {
namespace {

using ::testing::HasSubstr;
using test::GgufBuilder;

const std::string kData = FATHOM_TEST_DATA;
const std::string kMixed = kData + "/gguf/v2lite-mixed.gguf";

nlohmann::json readJson(const std::string& path)
{
    std::ifstream in(path);
    return nlohmann::json::parse(in);
}

// --- The reference: every GGUF tensor dequantized and put back under its hub name and layout. ---
std::vector<float> dequantized(const GgufTensorInfo& t)
{
    std::vector<float> v(static_cast<std::size_t>(t.numel()));
    dequantize(*ggmlTypeInfo(t.type)->dtype, t.data, t.numel(), v.data());
    return v;
}

std::vector<test::TensorData> hubCheckpoint(const GgufFile& f, const ModelConfig& c)
{
    const std::map<std::string, std::string> layerNames = {
        {"attn_norm.weight", "input_layernorm.weight"}, {"ffn_norm.weight", "post_attention_layernorm.weight"},
        {"attn_q.weight", "self_attn.q_proj.weight"}, {"attn_q_a.weight", "self_attn.q_a_proj.weight"},
        {"attn_q_a_norm.weight", "self_attn.q_a_layernorm.weight"}, {"attn_q_b.weight", "self_attn.q_b_proj.weight"},
        {"attn_kv_a_mqa.weight", "self_attn.kv_a_proj_with_mqa.weight"},
        {"attn_kv_a_norm.weight", "self_attn.kv_a_layernorm.weight"}, {"attn_kv_b.weight", "self_attn.kv_b_proj.weight"},
        {"attn_output.weight", "self_attn.o_proj.weight"}, {"ffn_gate.weight", "mlp.gate_proj.weight"},
        {"ffn_up.weight", "mlp.up_proj.weight"}, {"ffn_down.weight", "mlp.down_proj.weight"},
        {"ffn_gate_inp.weight", "mlp.gate.weight"}, {"exp_probs_b.bias", "mlp.gate.e_score_correction_bias"},
        {"ffn_gate_shexp.weight", "mlp.shared_experts.gate_proj.weight"},
        {"ffn_up_shexp.weight", "mlp.shared_experts.up_proj.weight"},
        {"ffn_down_shexp.weight", "mlp.shared_experts.down_proj.weight"},
    };
    std::vector<test::TensorData> out;
    std::map<std::string, std::vector<float>> kB, vB;  // by layer prefix
    for (const GgufTensorInfo& t : f.layout().tensors) {
        std::vector<std::int64_t> shape(t.ne.rbegin(), t.ne.rend());
        std::vector<float> v = dequantized(t);
        if (t.name == "token_embd.weight" || t.name == "output_norm.weight" || t.name == "output.weight") {
            const char* hub = t.name == "token_embd.weight" ? "model.embed_tokens.weight"
                              : t.name == "output.weight"   ? "lm_head.weight"
                                                            : "model.norm.weight";
            out.push_back({hub, DType::F32, shape, std::move(v)});
            continue;
        }
        const std::size_t dot = t.name.find('.', 4);
        const std::string p = "model.layers." + t.name.substr(4, dot - 4) + ".", rest = t.name.substr(dot + 1);
        if (rest == "attn_k_b.weight") {
            kB[p] = std::move(v);
        } else if (rest == "attn_v_b.weight") {
            vB[p] = std::move(v);
        } else if (rest.find("_exps.weight") != std::string::npos) {
            const std::string proj = rest.substr(4, rest.find("_exps") - 4);  // gate / up / down
            const std::int64_t rows = shape[1], cols = shape[2];
            for (std::int64_t e = 0; e < shape[0]; ++e)
                out.push_back({p + "mlp.experts." + std::to_string(e) + "." + proj + "_proj.weight", DType::F32,
                               {rows, cols},
                               std::vector<float>(v.begin() + e * rows * cols, v.begin() + (e + 1) * rows * cols)});
        } else {
            out.push_back({p + layerNames.at(rest), DType::F32, shape, std::move(v)});
        }
    }
    // Split form back to kv_b_proj [heads·(nope+v), kv_lora]: per head W_uk (k_b transposed), then W_uv.
    const std::int64_t H = c.numHeads, N = c.qkNopeHeadDim, V = c.vHeadDim, L = c.kvLoraRank;
    for (const auto& [p, k] : kB) {
        const std::vector<float>& vv = vB.at(p);
        std::vector<float> kv(static_cast<std::size_t>(H * (N + V) * L));
        for (std::int64_t h = 0; h < H; ++h)
            for (std::int64_t l = 0; l < L; ++l) {
                for (std::int64_t n = 0; n < N; ++n)
                    kv[size_t((h * (N + V) + n) * L + l)] = k[size_t((h * L + l) * N + n)];
                for (std::int64_t j = 0; j < V; ++j)
                    kv[size_t((h * (N + V) + N + j) * L + l)] = vv[size_t((h * V + j) * L + l)];
            }
        out.push_back({p + "self_attn.kv_b_proj.weight", DType::F32, {H * (N + V), L}, std::move(kv)});
    }
    return out;
}

double relL2(const std::vector<float>& a, const std::vector<float>& b)
{
    double num = 0, den = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        num += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
        den += double(b[i]) * b[i];
    }
    return std::sqrt(num / den);
}

// Prefill then decode through both MLA forms, GGUF model against the reference; returns the worst.
double worstLogitError(const std::string& gguf, const ModelConfig& refConfig)
{
    const OpenedModel m = openModel(gguf);
    const GgufFile& f = *m.weights.gguf();
    test::TempDir dir;
    test::writeSafetensors(dir.file("ref.safetensors"), hubCheckpoint(f, m.config));
    const WeightStore ref = WeightStore::openFile(dir.file("ref.safetensors"));
    ref.validateAgainst(refConfig, dir.path());
    const std::vector<std::int32_t> prompt = {3, 17, 250, 9, 42, 100, 7, 64, 1, 5};
    double worst = 0;
    for (cpu::MlaMode mode : {cpu::MlaMode::Absorbed, cpu::MlaMode::Expanded}) {
        cpu::CpuModel a(m.config, m.weights, 2), b(refConfig, ref, 2);
        a.setMlaMode(mode);
        b.setMlaMode(mode);
        KvCache ca = a.makeCache(16), cb = b.makeCache(16);
        worst = std::max(worst, relL2(a.forward(prompt, 0, ca), b.forward(prompt, 0, cb)));
        for (std::int32_t t : {11, 12, 13})
            worst = std::max(worst, relL2(a.forward({t}, ca.size(), ca), b.forward({t}, cb.size(), cb)));
    }
    return worst;
}

TEST(GgufModel, metadataGivesTheSameConfigAsConfigJson)
{
    const OpenedModel m = openModel(kMixed);
    const ModelConfig want = ModelConfig::fromFile(kData + "/golden/v2lite/config.json");
    const ModelConfig& got = m.config;
    EXPECT_TRUE(m.gguf);
    EXPECT_EQ(got.architecture, want.architecture);
    EXPECT_EQ(got.vocabSize, want.vocabSize);
    EXPECT_EQ(got.hiddenSize, want.hiddenSize);
    EXPECT_EQ(got.intermediateSize, want.intermediateSize);
    EXPECT_EQ(got.moeIntermediateSize, want.moeIntermediateSize);
    EXPECT_EQ(got.numLayers, want.numLayers);
    EXPECT_EQ(got.numHeads, want.numHeads);
    EXPECT_EQ(got.qLoraRank, want.qLoraRank);
    EXPECT_EQ(got.kvLoraRank, want.kvLoraRank);
    EXPECT_EQ(got.qkNopeHeadDim, want.qkNopeHeadDim);
    EXPECT_EQ(got.qkRopeHeadDim, want.qkRopeHeadDim);
    EXPECT_EQ(got.vHeadDim, want.vHeadDim);
    EXPECT_EQ(got.nRoutedExperts, want.nRoutedExperts);
    EXPECT_EQ(got.nSharedExperts, want.nSharedExperts);
    EXPECT_EQ(got.numExpertsPerTok, want.numExpertsPerTok);
    EXPECT_EQ(got.topkMethod, want.topkMethod);
    EXPECT_EQ(got.scoringFunc, want.scoringFunc);
    EXPECT_EQ(got.normTopkProb, want.normTopkProb);
    EXPECT_EQ(got.firstKDenseReplace, want.firstKDenseReplace);
    EXPECT_EQ(got.maxPositionEmbeddings, want.maxPositionEmbeddings);
    EXPECT_EQ(got.tieWordEmbeddings, want.tieWordEmbeddings);
    EXPECT_TRUE(got.ropeScaling.yarn);
    EXPECT_EQ(got.ropeScaling.factor, want.ropeScaling.factor);
    EXPECT_EQ(got.ropeScaling.originalMaxPosition, want.ropeScaling.originalMaxPosition);
    EXPECT_NEAR(got.ropeScaling.mscaleAllDim, want.ropeScaling.mscaleAllDim, 1e-6);
    EXPECT_NEAR(got.ropeScaling.mscale, want.ropeScaling.mscale, 1e-6);
    EXPECT_NEAR(got.rmsNormEps, want.rmsNormEps, 1e-12);
    EXPECT_NEAR(got.softmaxScale(), want.softmaxScale(), 1e-7);
    // bos/eos come from the tokenizer the file carries (tiny-v2's), not the golden config's.
    EXPECT_EQ(got.bosTokenId, 300);
    EXPECT_EQ(got.eosTokenId, 301);
}

TEST(GgufModel, splitMlaAndMergedExpertsMatchTheDequantizedCheckpoint)
{
    const double err = worstLogitError(kMixed, ModelConfig::fromFile(kData + "/golden/v2lite/config.json"));
    RecordProperty("worst_rel_l2", std::to_string(err));
    std::printf("v2lite-mixed.gguf: worst relative L2 vs dequantized fp32 checkpoint = %.3g\n", err);
    EXPECT_LE(err, 1e-5);
}

// --- A K-quant model written here: q-lora, the older attn_kv_b, V3 routing, tied embeddings. ---
struct KQuantModel {
    nlohmann::json config;
    std::string path;
};

std::string randomBlocks(std::uint32_t type, std::uint64_t elements, std::mt19937& rng)
{
    const GgmlTypeInfo* info = ggmlTypeInfo(type);
    std::string b(static_cast<std::size_t>(elements / info->blockElements * info->blockBytes), '\0');
    for (char& c : b)
        c = static_cast<char>(rng() & 0xff);
    const std::size_t scaleAt = type == 14 ? 208 : 0;  // Q6_K keeps d last
    const int scales = type == 12 || type == 13 ? 2 : 1;
    for (std::size_t at = 0; at < b.size(); at += info->blockBytes)
        for (int s = 0; s < scales; ++s) {
            const std::uint16_t h = static_cast<std::uint16_t>((rng() & 1 ? 0x8000 : 0) | ((type == 8 ? 7 : 3) << 10) | (rng() & 0x3ff));
            std::memcpy(b.data() + at + scaleAt + 2 * s, &h, 2);
        }
    return b;
}

KQuantModel writeKQuantModel(const test::TempDir& dir)
{
    const std::uint64_t H = 256, V = 256, heads = 2, nope = 32, rope = 32, vd = 128, kvr = 256, ql = 256, E = 4, I = 256;
    KQuantModel k;
    k.config = {{"architectures", {"DeepseekV3ForCausalLM"}}, {"model_type", "deepseek_v3"}, {"vocab_size", V},
                {"hidden_size", H}, {"intermediate_size", 512}, {"moe_intermediate_size", I}, {"num_hidden_layers", 1},
                {"num_attention_heads", heads}, {"q_lora_rank", ql}, {"kv_lora_rank", kvr}, {"qk_nope_head_dim", nope},
                {"qk_rope_head_dim", rope}, {"v_head_dim", vd}, {"n_routed_experts", E}, {"n_shared_experts", 1},
                {"num_experts_per_tok", 2}, {"n_group", 2}, {"topk_group", 1}, {"topk_method", "noaux_tc"},
                {"scoring_func", "sigmoid"}, {"norm_topk_prob", true}, {"routed_scaling_factor", 2.5},
                {"first_k_dense_replace", 0}, {"rms_norm_eps", 1e-6}, {"max_position_embeddings", 4096},
                {"rope_theta", 10000.0}, {"tie_word_embeddings", true}};
    std::mt19937 rng(11);
    std::normal_distribution<float> nd(1.0f, 0.1f);
    auto ones = [&](std::uint64_t n) {
        std::vector<float> v(n);
        for (float& x : v)
            x = nd(rng);
        return v;
    };
    GgufBuilder b;
    b.str("general.architecture", "deepseek2").u32("deepseek2.block_count", 1).u32("deepseek2.context_length", 4096);
    b.u32("deepseek2.embedding_length", H).u32("deepseek2.feed_forward_length", 512).u32("deepseek2.attention.head_count", heads);
    b.u32("deepseek2.attention.q_lora_rank", ql).u32("deepseek2.attention.kv_lora_rank", kvr);
    b.u32("deepseek2.attention.key_length", nope + rope).u32("deepseek2.attention.value_length", vd);  // the older form
    b.u32("deepseek2.rope.dimension_count", rope).f32("deepseek2.rope.freq_base", 10000.0f);
    b.f32("deepseek2.attention.layer_norm_rms_epsilon", 1e-6f).u32("deepseek2.vocab_size", V);
    b.u32("deepseek2.expert_count", E).u32("deepseek2.expert_used_count", 2).u32("deepseek2.expert_shared_count", 1);
    b.u32("deepseek2.expert_feed_forward_length", I).u32("deepseek2.leading_dense_block_count", 0);
    b.u32("deepseek2.expert_group_count", 2).u32("deepseek2.expert_group_used_count", 1);
    b.f32("deepseek2.expert_weights_scale", 2.5f).boolean("deepseek2.expert_weights_norm", true);
    b.u32("deepseek2.expert_gating_func", 2);
    const std::uint32_t Q4K = 12, Q5K = 13, Q6K = 14, Q8 = 8;
    b.tensor("token_embd.weight", {H, V}, Q6K, randomBlocks(Q6K, H * V, rng));
    b.f32Tensor("output_norm.weight", {H}, ones(H));
    b.f32Tensor("blk.0.attn_norm.weight", {H}, ones(H)).f32Tensor("blk.0.ffn_norm.weight", {H}, ones(H));
    b.tensor("blk.0.attn_q_a.weight", {H, ql}, Q4K, randomBlocks(Q4K, H * ql, rng));
    b.f32Tensor("blk.0.attn_q_a_norm.weight", {ql}, ones(ql));
    b.tensor("blk.0.attn_q_b.weight", {ql, heads * (nope + rope)}, Q5K, randomBlocks(Q5K, ql * heads * (nope + rope), rng));
    b.tensor("blk.0.attn_kv_a_mqa.weight", {H, kvr + rope}, Q8, randomBlocks(Q8, H * (kvr + rope), rng));
    b.f32Tensor("blk.0.attn_kv_a_norm.weight", {kvr}, ones(kvr));
    b.tensor("blk.0.attn_kv_b.weight", {kvr, heads * (nope + vd)}, Q6K, randomBlocks(Q6K, kvr * heads * (nope + vd), rng));
    b.tensor("blk.0.attn_output.weight", {heads * vd, H}, Q4K, randomBlocks(Q4K, heads * vd * H, rng));
    b.f32Tensor("blk.0.ffn_gate_inp.weight", {H, E}, std::vector<float>(H * E, 0.01f));
    b.f32Tensor("blk.0.exp_probs_b.bias", {E}, {0.1f, -0.2f, 0.3f, 0.0f});
    b.tensor("blk.0.ffn_gate_exps.weight", {H, I, E}, Q4K, randomBlocks(Q4K, H * I * E, rng));
    b.tensor("blk.0.ffn_up_exps.weight", {H, I, E}, Q5K, randomBlocks(Q5K, H * I * E, rng));
    b.tensor("blk.0.ffn_down_exps.weight", {I, H, E}, Q6K, randomBlocks(Q6K, I * H * E, rng));
    b.tensor("blk.0.ffn_gate_shexp.weight", {H, I}, Q8, randomBlocks(Q8, H * I, rng));
    b.tensor("blk.0.ffn_up_shexp.weight", {H, I}, Q4K, randomBlocks(Q4K, H * I, rng));
    b.tensor("blk.0.ffn_down_shexp.weight", {I, H}, Q5K, randomBlocks(Q5K, I * H, rng));
    k.path = dir.file("kquant.gguf");
    b.write(k.path);
    return k;
}

TEST(GgufModel, kQuantsQLoraOlderKvBAndV3RoutingMatchTheDequantizedCheckpoint)
{
    test::TempDir dir;
    const KQuantModel k = writeKQuantModel(dir);
    const ModelConfig want = ModelConfig::fromJson(k.config, "config.json");
    const OpenedModel m = openModel(k.path);
    EXPECT_EQ(m.config.topkMethod, TopkMethod::NoauxTc);
    EXPECT_EQ(m.config.qLoraRank, 256);
    EXPECT_TRUE(m.config.tieWordEmbeddings);
    EXPECT_EQ(m.config.routedScalingFactor, 2.5);
    const double err = worstLogitError(k.path, want);
    std::printf("K-quant model: worst relative L2 vs dequantized fp32 checkpoint = %.3g\n", err);
    EXPECT_LE(err, 1e-5);
}

TEST(GgufModel, namesTheTensorAndTypeFathomCannotRun)
{
    test::TempDir dir;
    GgufBuilder b;
    b.str("general.architecture", "deepseek2");
    b.tensor("blk.0.ffn_down_exps.weight", {256, 2, 2}, 16, std::string(4 * 66, '\0'));  // IQ2_XXS
    b.write(dir.file("iq2.gguf"));
    EXPECT_THAT(test::errorOf([&] { WeightStore::openGguf(dir.file("iq2.gguf")); }),
                HasSubstr("iq2.gguf: tensor blk.0.ffn_down_exps.weight has type IQ2_XXS, which Fathom cannot run (it runs "
                          "F32, F16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K, BF16)"));
}

TEST(GgufModel, refusesOtherArchitecturesAndMissingKeys)
{
    test::TempDir dir;
    GgufBuilder llama;
    llama.str("general.architecture", "llama");
    llama.write(dir.file("llama.gguf"));
    EXPECT_THAT(test::errorOf([&] { openModel(dir.file("llama.gguf")); }),
                HasSubstr("general.architecture is \"llama\"; Fathom runs DeepSeek-V2/V3 GGUF files (deepseek2)"));
    GgufBuilder partial;
    partial.str("general.architecture", "deepseek2").u32("deepseek2.vocab_size", 8);
    partial.write(dir.file("partial.gguf"));
    EXPECT_THAT(test::errorOf([&] { openModel(dir.file("partial.gguf")); }),
                HasSubstr("partial.gguf: required metadata key deepseek2.embedding_length is missing"));
    GgufBuilder typed;
    typed.str("general.architecture", "deepseek2").u32("deepseek2.vocab_size", 8).str("deepseek2.embedding_length", "64");
    typed.write(dir.file("typed.gguf"));
    EXPECT_THAT(test::errorOf([&] { openModel(dir.file("typed.gguf")); }),
                HasSubstr("typed.gguf: metadata key deepseek2.embedding_length must be an integer, not string"));
}

TEST(GgufModel, tokenizerFromMetadataEncodesLikeItsTokenizerJson)
{
    const auto fromGguf = Tokenizer::load(kMixed);
    const auto fromJson = Tokenizer::load(kData + "/tokenizer/tiny-v2");
    for (const char* text : {"Hello world", "def f(x):\n    return x + 1\n", "数字 12345 ünïcödé",
                             "<｜begin▁of▁sentence｜>User: hi\n\nAssistant:", "  spaces\t\ttabs\r\n"})
        EXPECT_EQ(fromGguf->encode(text), fromJson->encode(text)) << text;
    EXPECT_EQ(fromGguf->bosId(), fromJson->bosId());
    EXPECT_EQ(fromGguf->eosId(), fromJson->eosId());
    EXPECT_EQ(fromGguf->addBosToken(), fromJson->addBosToken());
    EXPECT_TRUE(fromGguf->isSpecial(300));
    EXPECT_FALSE(fromGguf->isSpecial(302));  // <｜fim▁hole｜>: a plain added token
    EXPECT_EQ(fromGguf->decode(fromGguf->encode("round trip ✓")), "round trip ✓");
}

// The embedded tiny coder's tokenizer.json (DeepSeek-V3's pre-tokenizer) as a converter would write
// it into a GGUF, with tokenizer.ggml.pre = deepseek-v3.
TEST(GgufModel, deepseekV3PreTokenizerFromItsGgufName)
{
    const std::string dir = std::string(FATHOM_TEST_DATA) + "/../../resources/models/fathom-tiny-coder";
    const nlohmann::json tj = readJson(dir + "/tokenizer.json");
    std::map<std::int64_t, std::pair<std::string, std::int32_t>> byId;
    for (const auto& [text, id] : tj["model"]["vocab"].items())
        byId[id.get<std::int64_t>()] = {text, 1};
    for (const auto& a : tj["added_tokens"])
        byId[a["id"].get<std::int64_t>()] = {a["content"].get<std::string>(), a["special"].get<bool>() ? 3 : 4};
    std::vector<std::string> tokens, merges;
    std::vector<std::int32_t> types;
    for (std::int64_t i = 0; i <= byId.rbegin()->first; ++i) {
        const auto it = byId.find(i);
        tokens.push_back(it == byId.end() ? "[PAD" + std::to_string(i) + "]" : it->second.first);
        types.push_back(it == byId.end() ? 5 : it->second.second);
    }
    for (const auto& m : tj["model"]["merges"])
        merges.push_back(m.is_string() ? m.get<std::string>() : m[0].get<std::string>() + " " + m[1].get<std::string>());
    test::TempDir tmp;
    GgufBuilder b;
    b.str("tokenizer.ggml.model", "gpt2").str("tokenizer.ggml.pre", "deepseek-v3");
    b.strings("tokenizer.ggml.tokens", tokens).ints("tokenizer.ggml.token_type", types).strings("tokenizer.ggml.merges", merges);
    b.u32("tokenizer.ggml.bos_token_id", 0).u32("tokenizer.ggml.eos_token_id", 1).boolean("tokenizer.ggml.add_bos_token", false);
    b.write(tmp.file("tok.gguf"));
    const auto fromGguf = Tokenizer::load(tmp.file("tok.gguf"));
    const auto fromJson = Tokenizer::load(dir);
    for (const char* text : {"def add(a, b):\n    return a + b  # 12345\n", "日本語のテキスト and 中文", "x=1;y=22;z=333;w=4444",
                             "<｜fim▁begin｜>int main() {<｜fim▁hole｜>}<｜fim▁end｜>", "\t\tindent\r\n\r\n  end"})
        EXPECT_EQ(fromGguf->encode(text), fromJson->encode(text)) << text;
    EXPECT_FALSE(fromGguf->addBosToken());
    GgufBuilder unknown;
    unknown.str("tokenizer.ggml.model", "gpt2").str("tokenizer.ggml.pre", "qwen2").strings("tokenizer.ggml.tokens", {"a"});
    unknown.write(tmp.file("qwen.gguf"));
    EXPECT_THAT(test::errorOf([&] { Tokenizer::load(tmp.file("qwen.gguf")); }),
                HasSubstr("tokenizer.ggml.pre is \"qwen2\"; Fathom knows the DeepSeek ones"));
}

TEST(GgufModel, chatFormatFromTheChatTemplate)
{
    const DetectedChatFormat d = detectChatFormat(kMixed);
    EXPECT_EQ(d.format.kind, ChatFormatKind::DeepseekV2);
    EXPECT_THAT(d.reason, HasSubstr("tokenizer.chat_template"));
    EXPECT_EQ(d.format.bos, "<｜begin▁of▁sentence｜>");
}

}  // namespace
}  // namespace fathom::inference
