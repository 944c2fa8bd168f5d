// ModelConfig: the real V2-Lite / V2 / V3 configs parse to the numbers of docs/ARCHITECTURE.md; missing,
// mistyped and absurd fields (docs/RELIABILITY.md 6-7) are rejected with the file and field named.
#include "inference/model/model_config.h"

#include "model_files.h"

#include <gtest/gtest.h>

#include <cmath>

namespace {

using namespace fathom::inference;
using fathom::test::errorOf;
using fathom::test::TempDir;
using nlohmann::json;

#define EXPECT_HAS(text, part) EXPECT_NE((text).find(part), std::string::npos) << "message: " << (text)

// The error for `config` with `patch` applied (null values in the patch delete the key).
std::string errorWith(const json& patch, json config = fathom::test::v2LiteConfig())
{
    for (const auto& [k, v] : patch.items()) {
        if (v.is_null())
            config.erase(k);
        else
            config[k] = v;
    }
    const std::string e = errorOf([&] { ModelConfig::fromJson(config, "/models/x/config.json"); });
    EXPECT_EQ(e.rfind("/models/x/config.json: ", 0), 0u) << "error does not name the file: " << e;
    return e;
}

TEST(ModelConfig, parsesV2Lite)
{
    const ModelConfig c = ModelConfig::fromJson(fathom::test::v2LiteConfig(), "config.json");
    EXPECT_EQ(c.architecture, "DeepseekV2ForCausalLM");
    EXPECT_EQ(c.modelType, "deepseek_v2");
    EXPECT_EQ(c.vocabSize, 102400);
    EXPECT_EQ(c.hiddenSize, 2048);
    EXPECT_EQ(c.intermediateSize, 10944);
    EXPECT_EQ(c.moeIntermediateSize, 1408);
    EXPECT_EQ(c.numLayers, 27);
    EXPECT_EQ(c.numHeads, 16);
    EXPECT_EQ(c.qLoraRank, 0);
    EXPECT_EQ(c.kvLoraRank, 512);
    EXPECT_EQ(c.qkHeadDim(), 192);
    EXPECT_EQ(c.vHeadDim, 128);
    EXPECT_EQ(c.nRoutedExperts, 64);
    EXPECT_EQ(c.nSharedExperts, 2);
    EXPECT_EQ(c.numExpertsPerTok, 6);
    EXPECT_EQ(c.topkMethod, TopkMethod::Greedy);
    EXPECT_EQ(c.scoringFunc, ScoringFunc::Softmax);
    EXPECT_FALSE(c.normTopkProb);
    EXPECT_EQ(c.routedScalingFactor, 1.0);
    EXPECT_EQ(c.firstKDenseReplace, 1);
    EXPECT_FALSE(c.isMoeLayer(0));
    EXPECT_TRUE(c.isMoeLayer(1));
    EXPECT_TRUE(c.isMoeLayer(26));
    EXPECT_EQ(c.rmsNormEps, 1e-6);
    EXPECT_EQ(c.maxPositionEmbeddings, 163840);
    EXPECT_TRUE(c.ropeScaling.yarn);
    EXPECT_EQ(c.ropeScaling.factor, 40.0);
    EXPECT_EQ(c.ropeScaling.originalMaxPosition, 4096);
    EXPECT_EQ(c.ropeScaling.betaFast, 32.0);
    EXPECT_EQ(c.ropeScaling.betaSlow, 1.0);
    EXPECT_EQ(c.ropeScaling.mscale, 0.707);
    EXPECT_EQ(c.ropeScaling.mscaleAllDim, 0.707);
    EXPECT_EQ(c.bosTokenId, 100000);
    EXPECT_EQ(c.eosTokenId, 100001);
    const double m = 0.1 * 0.707 * std::log(40.0) + 1.0;
    EXPECT_DOUBLE_EQ(c.softmaxScale(), m * m / std::sqrt(192.0));
    EXPECT_NEAR(c.softmaxScale(), 0.1147214, 1e-7);  // computed with Python's math module
}

TEST(ModelConfig, parsesV2AndV3Routing)
{
    const ModelConfig v2 = ModelConfig::fromJson(fathom::test::v2Config(), "config.json");
    EXPECT_EQ(v2.qLoraRank, 1536);
    EXPECT_EQ(v2.topkMethod, TopkMethod::GroupLimitedGreedy);
    EXPECT_EQ(v2.nGroup, 8);
    EXPECT_EQ(v2.topkGroup, 3);
    EXPECT_EQ(v2.routedScalingFactor, 16.0);

    json j = fathom::test::v3Config();
    j["eos_token_id"] = {1, 128001};  // newer configs list several; the first is the model's own
    const ModelConfig v3 = ModelConfig::fromJson(j, "config.json");
    EXPECT_EQ(v3.architecture, "DeepseekV3ForCausalLM");
    EXPECT_EQ(v3.topkMethod, TopkMethod::NoauxTc);
    EXPECT_EQ(v3.scoringFunc, ScoringFunc::Sigmoid);
    EXPECT_TRUE(v3.normTopkProb);
    EXPECT_EQ(v3.routedScalingFactor, 2.5);
    EXPECT_EQ(v3.nRoutedExperts, 256);
    EXPECT_EQ(v3.nSharedExperts, 1);
    EXPECT_EQ(v3.topkGroup, 4);
    EXPECT_FALSE(v3.isMoeLayer(2));
    EXPECT_TRUE(v3.isMoeLayer(3));
    EXPECT_EQ(v3.bosTokenId, 0);
    EXPECT_EQ(v3.eosTokenId, 1);
    const double m = 0.1 * std::log(40.0) + 1.0;
    EXPECT_DOUBLE_EQ(v3.softmaxScale(), m * m / std::sqrt(192.0));
}

TEST(ModelConfig, readsTransformers5RopeParameters)
{
    json j = fathom::test::v2LiteConfig();
    j.erase("rope_scaling");
    j.erase("rope_theta");
    j["rope_parameters"] = {{"rope_type", "yarn"}, {"rope_theta", 50000.0}, {"factor", 4},
                            {"original_max_position_embeddings", 2048}, {"mscale_all_dim", 1.0}};
    const ModelConfig c = ModelConfig::fromJson(j, "config.json");
    EXPECT_EQ(c.ropeTheta, 50000.0);
    EXPECT_TRUE(c.ropeScaling.yarn);
    EXPECT_EQ(c.ropeScaling.factor, 4.0);
    EXPECT_EQ(c.ropeScaling.originalMaxPosition, 2048);
    EXPECT_EQ(c.ropeScaling.mscale, 1.0);
    j["rope_parameters"] = {{"rope_type", "default"}, {"rope_theta", 20000.0}};
    const ModelConfig plain = ModelConfig::fromJson(j, "config.json");
    EXPECT_FALSE(plain.ropeScaling.yarn);
    EXPECT_EQ(plain.ropeTheta, 20000.0);
    EXPECT_DOUBLE_EQ(plain.softmaxScale(), 1.0 / std::sqrt(192.0));
}

TEST(ModelConfig, acceptsDenseModelAndDefaults)
{
    json j = fathom::test::tinyV2Config();
    j["n_routed_experts"] = nullptr;
    for (const char* k : {"n_group", "topk_group", "topk_method", "scoring_func", "rope_scaling", "bos_token_id",
                          "first_k_dense_replace", "moe_layer_freq", "tie_word_embeddings", "model_type"})
        j.erase(k);
    const ModelConfig c = ModelConfig::fromJson(j, "config.json");
    EXPECT_EQ(c.nRoutedExperts, 0);
    EXPECT_FALSE(c.isMoeLayer(1));
    EXPECT_EQ(c.bosTokenId, -1);
    EXPECT_EQ(c.modelType, "deepseek_v2");
    EXPECT_FALSE(c.ropeScaling.yarn);
}

// ---- case 6: missing or wrong-typed required fields ---------------------------------------

TEST(ModelConfig, rejectsMissingRequiredFields)
{
    for (const char* k : {"architectures", "vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
                          "num_attention_heads", "kv_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim",
                          "max_position_embeddings", "moe_intermediate_size", "num_experts_per_tok"})
        EXPECT_HAS(errorWith({{k, nullptr}}), std::string("required field \"") + k + "\" is missing");
    json noOrig = fathom::test::v2LiteConfig();
    noOrig["rope_scaling"].erase("original_max_position_embeddings");
    EXPECT_HAS(errorWith({}, noOrig), "\"rope_scaling.original_max_position_embeddings\" is missing");
}

TEST(ModelConfig, rejectsWrongTypedFields)
{
    EXPECT_HAS(errorWith({{"vocab_size", "102400"}}), "\"vocab_size\" must be an integer, not a string");
    EXPECT_HAS(errorWith({{"hidden_size", 2048.5}}), "\"hidden_size\" must be an integer, not the fraction 2048.5");
    EXPECT_HAS(errorWith({{"kv_lora_rank", json::array()}}), "\"kv_lora_rank\" must be an integer, not an array");
    EXPECT_HAS(errorWith({{"norm_topk_prob", "yes"}}), "\"norm_topk_prob\" must be true or false");
    EXPECT_HAS(errorWith({{"rms_norm_eps", "1e-6"}}), "\"rms_norm_eps\" must be a number");
    EXPECT_HAS(errorWith({{"topk_method", 3}}), "\"topk_method\" must be a string");
    EXPECT_HAS(errorWith({{"architectures", "DeepseekV2ForCausalLM"}}), "\"architectures\" must be a non-empty list");
    EXPECT_HAS(errorWith({{"rope_scaling", 40}}), "\"rope_scaling\" must be an object");
    EXPECT_HAS(errorWith({{"eos_token_id", json::array({"x"})}}), "\"eos_token_id[0]\" must be an integer");
    EXPECT_HAS(errorOf([] { ModelConfig::fromJson(json::array(), "c.json"); }), "c.json: must be a JSON object");
}

TEST(ModelConfig, rejectsUnsupportedArchitecture)
{
    EXPECT_HAS(errorWith({{"architectures", {"LlamaForCausalLM"}}}), "architecture \"LlamaForCausalLM\" is not supported");
}

// ---- case 7: absurd sizes ------------------------------------------------------------------

TEST(ModelConfig, rejectsMaxPositionEmbeddings2Pow40)
{
    EXPECT_HAS(errorWith({{"max_position_embeddings", std::int64_t{1} << 40}}),
               "\"max_position_embeddings\" is 1099511627776, above the limit of 16777216");
    EXPECT_HAS(errorWith({{"vocab_size", 18446744073709551615ull}}), "\"vocab_size\" is 18446744073709551615, above");
}

TEST(ModelConfig, rejectsKvLoraRankZero)
{
    EXPECT_HAS(errorWith({{"kv_lora_rank", 0}}), "\"kv_lora_rank\" is 0 but must be at least 1");
}

TEST(ModelConfig, rejectsNegativeOrZeroDims)
{
    EXPECT_HAS(errorWith({{"hidden_size", -2048}}), "\"hidden_size\" is -2048 but must be at least 1");
    EXPECT_HAS(errorWith({{"num_attention_heads", 0}}), "\"num_attention_heads\" is 0");
    EXPECT_HAS(errorWith({{"v_head_dim", -1}}), "\"v_head_dim\" is -1");
    EXPECT_HAS(errorWith({{"q_lora_rank", 0}}), "\"q_lora_rank\" is 0");
    EXPECT_HAS(errorWith({{"num_hidden_layers", 0}}), "\"num_hidden_layers\" is 0");
    EXPECT_HAS(errorWith({{"qk_rope_head_dim", 63}}), "must be even");
}

TEST(ModelConfig, rejectsExpertsPerTokenAboveRoutedExperts)
{
    EXPECT_HAS(errorWith({{"num_experts_per_tok", 65}}), "\"num_experts_per_tok\" is 65, above the limit of 64");
}

TEST(ModelConfig, rejectsTopkGroupAboveNGroup)
{
    EXPECT_HAS(errorWith({{"topk_group", 9}}, fathom::test::v3Config()), "\"topk_group\" is 9, above the limit of 8");
}

TEST(ModelConfig, rejectsExpertsNotDivisibleByGroups)
{
    EXPECT_HAS(errorWith({{"n_group", 7}}, fathom::test::v3Config()),
               "\"n_routed_experts\" 256 is not divisible by \"n_group\" 7");
}

TEST(ModelConfig, rejectsRoutingThatCannotPickEnoughExperts)
{
    // 256 experts in 128 groups of 2, keep 2 groups: 4 candidates for 8 picks.
    EXPECT_HAS(errorWith({{"n_group", 128}, {"topk_group", 2}}, fathom::test::v3Config()),
               "\"num_experts_per_tok\" 8 is more than the 4 experts");
    EXPECT_HAS(errorWith({{"n_group", 256}, {"topk_group", 256}}, fathom::test::v3Config()),
               "noaux_tc needs at least 2 experts per group");
}

TEST(ModelConfig, rejectsUnknownEnumsAndRopeTypes)
{
    EXPECT_HAS(errorWith({{"topk_method", "top_p"}}), "\"topk_method\" \"top_p\" is unknown");
    EXPECT_HAS(errorWith({{"scoring_func", "relu"}}), "\"scoring_func\" \"relu\" is unknown");
    EXPECT_HAS(errorWith({{"rope_scaling", {{"type", "linear"}, {"factor", 2}}}}), "\"linear\" is not supported");
    json badFactor = fathom::test::v2LiteConfig();
    badFactor["rope_scaling"]["factor"] = 0.5;
    EXPECT_HAS(errorWith({}, badFactor), "\"rope_scaling.factor\" is 0.5");
}

TEST(ModelConfig, rejectsOutOfRangeScalarsAndTokenIds)
{
    EXPECT_HAS(errorWith({{"rms_norm_eps", 0}}), "\"rms_norm_eps\" must be between 0 and 1");
    EXPECT_HAS(errorWith({{"rope_theta", -1}}), "\"rope_theta\" must be positive");
    EXPECT_HAS(errorWith({{"routed_scaling_factor", 0}}), "\"routed_scaling_factor\" must be positive");
    EXPECT_HAS(errorWith({{"eos_token_id", 102400}}), "\"eos_token_id\" is 102400, above the limit of 102399");
    EXPECT_HAS(errorWith({{"first_k_dense_replace", 28}}), "\"first_k_dense_replace\" is 28, above the limit of 27");
}

// ---- fromFile ------------------------------------------------------------------------------

TEST(ModelConfig, fromFileNamesTheFileInEveryError)
{
    TempDir dir;
    const std::string path = dir.file("config.json");
    EXPECT_HAS(errorOf([&] { ModelConfig::fromFile(path); }), path + ": file not found");
    fathom::test::writeBytes(path, "{\"vocab_size\": 12,");
    EXPECT_HAS(errorOf([&] { ModelConfig::fromFile(path); }), path + ": not valid UTF-8 JSON");
    fathom::test::writeBytes(path, "{\"a\": \"\xff\"}");
    EXPECT_HAS(errorOf([&] { ModelConfig::fromFile(path); }), path + ": not valid UTF-8 JSON");
    fathom::test::writeBytes(path, std::string(100000, '[') + std::string(100000, ']'));
    EXPECT_HAS(errorOf([&] { ModelConfig::fromFile(path); }), path + ": JSON is nested more than 64 levels deep");
    std::string wide = "[0";
    for (int i = 0; i < 100000; ++i)
        wide += ",0";
    fathom::test::writeBytes(path, wide + "]");  // 200 KB, but 100001 values
    EXPECT_HAS(errorOf([&] { ModelConfig::fromFile(path); }), path + ": JSON holds more than 100000 values");
    fathom::test::writeBytes(path, std::string(2 << 20, ' '));
    EXPECT_HAS(errorOf([&] { ModelConfig::fromFile(path); }), path + ": file is 2097152 bytes; at most 1048576");
    fathom::test::writeBytes(path, fathom::test::v2LiteConfig().dump());
    EXPECT_EQ(ModelConfig::fromFile(path).hiddenSize, 2048);
}

}  // namespace
