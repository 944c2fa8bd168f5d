// WeightStore: opening folders (single file and sharded), the index checks (docs/RELIABILITY.md 5), the
// architecture check (6, 8), expectedTensors for the real model shapes, and synthetic weights.
#include "inference/model/weight_store.h"

#include "model_files.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>

namespace {

using namespace fathom::inference;
using fathom::test::errorOf;
using fathom::test::TempDir;
using nlohmann::json;

#define EXPECT_HAS(text, part) EXPECT_NE((text).find(part), std::string::npos) << "message: " << (text)

ModelConfig cfg(const json& j) { return ModelConfig::fromJson(j, "config.json"); }

std::vector<float> floats(const TensorView& t)
{
    std::vector<float> v(static_cast<std::size_t>(t.numel()));
    toFloat(t, 0, t.numel(), v.data());
    return v;
}

// ---- opening folders -------------------------------------------------------------------------

TEST(WeightStore, opensSingleFileFolderWithEveryDtype)
{
    for (DType dt : {DType::F32, DType::F16, DType::BF16}) {
        TempDir dir;
        const json config = fathom::test::tinyV2Config();
        const WeightStore src = WeightStore::synthetic(cfg(config), dt, 7, false);
        fathom::test::writeModelFolder(dir.path(), config, src, 1);
        const WeightStore store = WeightStore::openFolder(dir.path());
        EXPECT_EQ(store.names(), src.names());
        EXPECT_EQ(store.totalBytes(), src.totalBytes());
        const TensorView& t = store.get("model.layers.1.mlp.experts.3.down_proj.weight");
        EXPECT_EQ(t.dtype, dt);
        EXPECT_EQ(t.shape, (std::vector<std::int64_t>{32, 16}));
        EXPECT_EQ(t.file, dir.file("model.safetensors"));
        EXPECT_EQ(floats(t), floats(src.get(t.name)));
        EXPECT_TRUE(store.validateAgainst(cfg(config), dir.path()).empty());
    }
}

TEST(WeightStore, opensShardedFolder)
{
    TempDir dir;
    const json config = fathom::test::tinyV3Config();
    const WeightStore src = WeightStore::synthetic(cfg(config), DType::BF16, 3, false);
    fathom::test::writeModelFolder(dir.path(), config, src, 3);
    const WeightStore store = WeightStore::openFolder(dir.path());
    EXPECT_EQ(store.names(), src.names());
    EXPECT_TRUE(store.validateAgainst(cfg(config), dir.path()).empty());
    std::set<std::string> files;
    for (const auto& n : store.names())
        files.insert(std::filesystem::path(store.get(n).file).filename().string());
    EXPECT_EQ(files, (std::set<std::string>{"model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                                            "model-00003-of-00003.safetensors"}));
    EXPECT_EQ(floats(store.get("model.layers.2.mlp.gate.e_score_correction_bias")),
              floats(src.get("model.layers.2.mlp.gate.e_score_correction_bias")));
}

TEST(WeightStore, opensOneFileOnItsOwn)
{
    TempDir dir;
    fathom::test::writeSafetensors(dir.file("x.safetensors"), {{"a", DType::F32, {2}, {1.5f, -2.0f}}});
    const WeightStore store = WeightStore::openFile(dir.file("x.safetensors"));
    EXPECT_EQ(floats(store.get("a")), (std::vector<float>{1.5f, -2.0f}));
    EXPECT_EQ(store.find("b"), nullptr);
    EXPECT_NE(errorOf([&] { store.get("b"); }).find("missing tensor b"), std::string::npos);
}

TEST(WeightStore, rejectsFolderWithoutWeights)
{
    TempDir dir;
    const std::string e = errorOf([&] { WeightStore::openFolder(dir.path()); });
    EXPECT_NE(e.find(dir.path()), std::string::npos) << e;
    EXPECT_NE(e.find("neither model.safetensors nor model.safetensors.index.json"), std::string::npos) << e;
    EXPECT_NE(errorOf([&] { WeightStore::openFolder(dir.file("nope")); }).find("folder not found"), std::string::npos);
}

// ---- case 5: the shard index --------------------------------------------------------------

// A tiny V2-Lite-shaped model in two shards; tests then break its index.
struct ShardedModel {
    TempDir dir;
    json index;
    ShardedModel()
    {
        const json config = fathom::test::tinyV2Config();
        fathom::test::writeModelFolder(dir.path(), config, WeightStore::synthetic(cfg(config), DType::BF16, 1, false), 2);
        index = json::parse(std::ifstream(indexPath()));
    }
    std::string indexPath() const { return dir.file("model.safetensors.index.json"); }
    std::string errorAfter(const std::function<void(json&)>& edit)
    {
        json broken = index;
        edit(broken);
        fathom::test::writeBytes(indexPath(), broken.dump());
        return errorOf([&] { WeightStore::openFolder(dir.path()); });
    }
};

const char* kShard1 = "model-00001-of-00002.safetensors";
const char* kShard2 = "model-00002-of-00002.safetensors";

TEST(WeightStore, rejectsIndexNamingAMissingShard)
{
    ShardedModel m;
    std::filesystem::remove(m.dir.file(kShard2));
    const std::string e = m.errorAfter([](json&) {});
    EXPECT_HAS(e, m.indexPath() + ": shard " + kShard2 + " (listed for tensor ");
    EXPECT_HAS(e, ") is missing from " + m.dir.path());
}

TEST(WeightStore, rejectsShardPathWithDotDot)
{
    ShardedModel m;
    const std::string e = m.errorAfter([](json& j) { j["weight_map"]["model.norm.weight"] = "../x/model.safetensors"; });
    EXPECT_HAS(e, m.indexPath() + ": shard \"../x/model.safetensors\" contains \"..\" (listed for tensor model.norm.weight)");
    EXPECT_HAS(m.errorAfter([](json& j) { j["weight_map"]["model.norm.weight"] = "a/../../b"; }), "contains \"..\"");
}

TEST(WeightStore, rejectsAbsoluteShardPath)
{
    ShardedModel m;
    EXPECT_HAS(m.errorAfter([](json& j) { j["weight_map"]["model.norm.weight"] = "/etc/passwd"; }),
               m.indexPath() + ": shard \"/etc/passwd\" is an absolute path (listed for tensor model.norm.weight)");
}

TEST(WeightStore, rejectsShardNameWithNulByte)
{
    ShardedModel m;
    EXPECT_HAS(m.errorAfter([](json& j) { j["weight_map"]["model.norm.weight"] = std::string("model\0.safetensors", 18); }),
               m.indexPath() + ": shard name contains a NUL byte (listed for tensor model.norm.weight)");
}

TEST(WeightStore, rejectsTensorListedInIndexButAbsentFromShard)
{
    ShardedModel m;
    EXPECT_HAS(m.errorAfter([](json& j) { j["weight_map"]["model.layers.0.extra.weight"] = kShard1; }),
               m.indexPath() + ": lists tensor model.layers.0.extra.weight in shard " + kShard1 + ", but " + kShard1 +
                   " has no such tensor");
}

TEST(WeightStore, rejectsTensorInShardThatTheIndexDoesNotList)
{
    ShardedModel m;
    std::string dropped;
    const std::string e = m.errorAfter([&](json& j) {
        for (const auto& [name, shard] : j["weight_map"].items())
            if (shard == kShard2)
                dropped = name;
        j["weight_map"].erase(dropped);
    });
    EXPECT_HAS(e, m.dir.file(kShard2) + ": holds tensor " + dropped + ", which model.safetensors.index.json does not list");
}

TEST(WeightStore, rejectsTensorInADifferentShardThanIndexed)
{
    ShardedModel m;
    std::string moved;
    const std::string e = m.errorAfter([&](json& j) {
        for (const auto& [name, shard] : j["weight_map"].items())
            if (shard == kShard1)
                moved = name;
        j["weight_map"][moved] = kShard2;
    });
    EXPECT_HAS(e, m.dir.file(kShard1) + ": holds tensor " + moved + ", which model.safetensors.index.json places in " + kShard2);
}

TEST(WeightStore, rejectsMalformedIndex)
{
    ShardedModel m;
    EXPECT_HAS(m.errorAfter([](json& j) { j.erase("weight_map"); }), m.indexPath() + ": must be a JSON object with a \"weight_map\"");
    EXPECT_HAS(m.errorAfter([](json& j) { j["weight_map"]["model.norm.weight"] = 3; }),
               "\"weight_map\" entry for tensor model.norm.weight must be a file name string");
    EXPECT_HAS(m.errorAfter([](json& j) { j["weight_map"] = json::object(); }), "lists no tensors");
    fathom::test::writeBytes(m.indexPath(), "{\"weight_map\": {");
    EXPECT_HAS(errorOf([&] { WeightStore::openFolder(m.dir.path()); }), m.indexPath() + ": not valid UTF-8 JSON");
}

TEST(WeightStore, reportsTheShardInItsOwnLayoutErrors)
{
    ShardedModel m;
    fathom::test::writeBytes(m.dir.file(kShard2), "tiny");
    EXPECT_HAS(errorOf([&] { WeightStore::openFolder(m.dir.path()); }), m.dir.file(kShard2) + ": file is 4 bytes, too short");
}

// ---- case 6: config.json contradicting the tensor shapes -------------------------------------

// A tiny V2-Lite-shaped model on disk, validated against edited configs.
struct TinyModel {
    TempDir dir;
    json config = fathom::test::tinyV2Config();
    WeightStore store;
    TinyModel()
    {
        fathom::test::writeModelFolder(dir.path(), config, WeightStore::synthetic(cfg(config), DType::F32, 5, false), 1);
        store = WeightStore::openFolder(dir.path());
    }
    std::string errorWith(const json& patch) const
    {
        json c = config;
        c.update(patch);
        return errorOf([&] { store.validateAgainst(cfg(c), dir.path()); });
    }
};

TEST(WeightStore, rejectsVocabSizeThatContradictsEmbeddingRows)
{
    TinyModel m;
    EXPECT_HAS(m.errorWith({{"vocab_size", 100}}),
               m.dir.file("model.safetensors") + ": tensor model.embed_tokens.weight has shape [96, 32] but config.json "
                                                 "says [100, 32] (vocab_size 100 × hidden_size 32)");
}

TEST(WeightStore, rejectsHeadCountThatContradictsQProj)
{
    TinyModel m;
    EXPECT_HAS(m.errorWith({{"num_attention_heads", 4}}),
               "tensor model.layers.0.self_attn.q_proj.weight has shape [24, 32] but config.json says [48, 32] "
               "(num_attention_heads 4 × (qk_nope_head_dim 8 + qk_rope_head_dim 4) × hidden_size 32)");
}

TEST(WeightStore, rejectsHeadDimsThatContradictKvBProjAndOProj)
{
    TinyModel m;
    EXPECT_HAS(m.errorWith({{"v_head_dim", 6}}),
               "tensor model.layers.0.self_attn.kv_b_proj.weight has shape [32, 16] but config.json says [28, 16] "
               "(num_attention_heads 2 × (qk_nope_head_dim 8 + v_head_dim 6) × kv_lora_rank 16)");
    // No config edit moves o_proj alone (q_proj or kv_b_proj would change first): write a file whose
    // o_proj has 12 columns where heads × v_head_dim says 16.
    TempDir dir;
    const WeightStore src = WeightStore::synthetic(cfg(m.config), DType::F32, 5, false);
    const std::vector<float> wrong(32 * 12, 0.5f);
    TensorView o = src.get("model.layers.0.self_attn.o_proj.weight");
    o.shape = {32, 12};
    o.data = reinterpret_cast<const std::byte*>(wrong.data());
    o.nbytes = wrong.size() * 4;
    std::vector<const TensorView*> views;
    for (const auto& n : src.names())
        views.push_back(n == o.name ? &o : &src.get(n));
    fathom::test::writeViews(dir.file("model.safetensors"), views);
    const WeightStore store = WeightStore::openFolder(dir.path());
    EXPECT_HAS(errorOf([&] { store.validateAgainst(cfg(m.config), dir.path()); }),
               dir.file("model.safetensors") + ": tensor model.layers.0.self_attn.o_proj.weight has shape [32, 12] but "
               "config.json says [32, 16] (hidden_size 32 × num_attention_heads 2 × v_head_dim 8)");
    EXPECT_HAS(m.errorWith({{"qk_rope_head_dim", 2}, {"qk_nope_head_dim", 10}}),
               "tensor model.layers.0.self_attn.kv_a_proj_with_mqa.weight has shape [20, 32] but config.json says [18, 32] "
               "((kv_lora_rank 16 + qk_rope_head_dim 2) × hidden_size 32)");
}

TEST(WeightStore, rejectsExpertCountThatContradictsGateRows)
{
    TinyModel m;
    EXPECT_HAS(m.errorWith({{"n_routed_experts", 8}}),
               "tensor model.layers.1.mlp.gate.weight has shape [4, 32] but config.json says [8, 32] (n_routed_experts 8 × hidden_size 32)");
    EXPECT_HAS(m.errorWith({{"n_shared_experts", 1}}),
               "tensor model.layers.1.mlp.shared_experts.gate_proj.weight has shape [32, 32] but config.json says [16, 32] "
               "(moe_intermediate_size 16 × n_shared_experts 1 × hidden_size 32)");
}

// ---- case 8: missing and unexpected tensors --------------------------------------------------

TEST(WeightStore, rejectsMissingTensorNamingItAndTheFolder)
{
    TempDir dir;
    const json config = fathom::test::tinyV2Config();
    const WeightStore src = WeightStore::synthetic(cfg(config), DType::BF16, 2, false);
    std::vector<const TensorView*> views;
    for (const auto& n : src.names())
        if (n != "model.layers.2.mlp.experts.3.up_proj.weight")
            views.push_back(&src.get(n));
    fathom::test::writeViews(dir.file("model.safetensors"), views);
    const WeightStore store = WeightStore::openFolder(dir.path());
    EXPECT_HAS(errorOf([&] { store.validateAgainst(cfg(config), dir.path()); }),
               dir.path() + ": model is missing tensor model.layers.2.mlp.experts.3.up_proj.weight, which "
                            "DeepseekV2ForCausalLM with this config.json needs");
}

TEST(WeightStore, returnsUnexpectedTensorsSuchAsV3MtpLayer)
{
    TempDir dir;
    const json config = fathom::test::tinyV3Config();  // 3 layers: the MTP layer is model.layers.3
    const WeightStore src = WeightStore::synthetic(cfg(config), DType::BF16, 2, false);
    std::vector<const TensorView*> views;
    for (const auto& n : src.names())
        views.push_back(&src.get(n));
    std::vector<TensorView> extra = {src.get("model.norm.weight"), src.get("model.embed_tokens.weight")};
    extra[0].name = "model.layers.3.enorm.weight";
    extra[1].name = "model.layers.3.embed_tokens.weight";
    views.push_back(&extra[0]);
    views.push_back(&extra[1]);
    fathom::test::writeViews(dir.file("model.safetensors"), views);
    const WeightStore store = WeightStore::openFolder(dir.path());
    EXPECT_EQ(store.validateAgainst(cfg(config), dir.path()),
              (std::vector<std::string>{"model.layers.3.embed_tokens.weight", "model.layers.3.enorm.weight"}));
    // With tied embeddings lm_head is not needed: it is reported, not used.
    json tied = config;
    tied["tie_word_embeddings"] = true;
    EXPECT_EQ(store.validateAgainst(cfg(tied), dir.path()).front(), "lm_head.weight");
}

// ---- expectedTensors for the real shapes ------------------------------------------------------

std::map<std::string, std::vector<std::int64_t>> specMap(const json& config)
{
    std::map<std::string, std::vector<std::int64_t>> m;
    for (const TensorSpec& s : expectedTensors(cfg(config)))
        EXPECT_TRUE(m.emplace(s.name, s.shape).second) << "duplicate " << s.name;
    return m;
}

double paramsOf(const std::map<std::string, std::vector<std::int64_t>>& m)
{
    double n = 0;
    for (const auto& [name, shape] : m) {
        double p = 1;
        for (auto d : shape)
            p *= static_cast<double>(d);
        n += p;
    }
    return n;
}

using Shape = std::vector<std::int64_t>;

TEST(ExpectedTensors, matchV2LiteHubNamesAndShapes)
{
    const auto m = specMap(fathom::test::v2LiteConfig());
    EXPECT_EQ(m.size(), 3u + 10u + 26u * 203u);  // globals, dense layer 0, 26 MoE layers of 64 experts
    EXPECT_EQ(m.at("model.embed_tokens.weight"), (Shape{102400, 2048}));
    EXPECT_EQ(m.at("lm_head.weight"), (Shape{102400, 2048}));
    EXPECT_EQ(m.at("model.layers.0.self_attn.q_proj.weight"), (Shape{3072, 2048}));
    EXPECT_EQ(m.at("model.layers.0.self_attn.kv_a_proj_with_mqa.weight"), (Shape{576, 2048}));
    EXPECT_EQ(m.at("model.layers.0.self_attn.kv_a_layernorm.weight"), (Shape{512}));
    EXPECT_EQ(m.at("model.layers.0.self_attn.kv_b_proj.weight"), (Shape{4096, 512}));
    EXPECT_EQ(m.at("model.layers.0.self_attn.o_proj.weight"), (Shape{2048, 2048}));
    EXPECT_EQ(m.at("model.layers.0.mlp.down_proj.weight"), (Shape{2048, 10944}));
    EXPECT_EQ(m.at("model.layers.26.mlp.gate.weight"), (Shape{64, 2048}));
    EXPECT_EQ(m.at("model.layers.26.mlp.experts.63.gate_proj.weight"), (Shape{1408, 2048}));
    EXPECT_EQ(m.at("model.layers.1.mlp.shared_experts.down_proj.weight"), (Shape{2048, 2816}));
    EXPECT_FALSE(m.count("model.layers.1.mlp.gate.e_score_correction_bias"));
    EXPECT_FALSE(m.count("model.layers.0.mlp.gate.weight"));
    EXPECT_NEAR(paramsOf(m) / 1e9, 15.7, 0.05);  // the hub's 15.7B
}

TEST(ExpectedTensors, matchV2HubNamesAndShapes)
{
    const auto m = specMap(fathom::test::v2Config());
    EXPECT_EQ(m.size(), 3u + 12u + 59u * 493u);
    EXPECT_FALSE(m.count("model.layers.0.self_attn.q_proj.weight"));
    EXPECT_EQ(m.at("model.layers.0.self_attn.q_a_proj.weight"), (Shape{1536, 5120}));
    EXPECT_EQ(m.at("model.layers.0.self_attn.q_a_layernorm.weight"), (Shape{1536}));
    EXPECT_EQ(m.at("model.layers.0.self_attn.q_b_proj.weight"), (Shape{24576, 1536}));
    EXPECT_EQ(m.at("model.layers.59.self_attn.kv_b_proj.weight"), (Shape{32768, 512}));
    EXPECT_EQ(m.at("model.layers.59.self_attn.o_proj.weight"), (Shape{5120, 16384}));
    EXPECT_EQ(m.at("model.layers.59.mlp.experts.159.down_proj.weight"), (Shape{5120, 1536}));
    EXPECT_NEAR(paramsOf(m) / 1e9, 236, 1.0);  // DeepSeek-V2: 236B total
}

TEST(ExpectedTensors, matchV3HubNamesAndShapes)
{
    const auto m = specMap(fathom::test::v3Config());
    EXPECT_EQ(m.size(), 3u + 3u * 12u + 58u * 782u);
    EXPECT_EQ(m.at("model.layers.2.mlp.gate_proj.weight"), (Shape{18432, 7168}));
    EXPECT_FALSE(m.count("model.layers.2.mlp.gate.weight"));
    EXPECT_EQ(m.at("model.layers.3.mlp.gate.weight"), (Shape{256, 7168}));
    EXPECT_EQ(m.at("model.layers.3.mlp.gate.e_score_correction_bias"), (Shape{256}));
    EXPECT_EQ(m.at("model.layers.60.mlp.shared_experts.up_proj.weight"), (Shape{2048, 7168}));
    EXPECT_EQ(m.at("lm_head.weight"), (Shape{129280, 7168}));
    EXPECT_FALSE(m.count("model.layers.61.eh_proj.weight"));  // MTP layer: not part of the main model
    EXPECT_NEAR(paramsOf(m) / 1e9, 671, 1.0);  // 671B without the 14B MTP module
}

// ---- synthetic weights -----------------------------------------------------------------------

TEST(SyntheticWeights, haveExactlyTheExpectedNamesAndShapes)
{
    for (const json& config : {fathom::test::tinyV2Config(), fathom::test::tinyV3Config()}) {
        const WeightStore s = WeightStore::synthetic(cfg(config), DType::BF16, 1, true);
        std::map<std::string, Shape> got;
        for (const auto& n : s.names())
            got[n] = s.get(n).shape;
        EXPECT_EQ(got, specMap(config));
        EXPECT_TRUE(s.validateAgainst(cfg(config), "synthetic").empty());
    }
}

TEST(SyntheticWeights, shareLayersAliasesEachKindToItsFirstLayer)
{
    json config = fathom::test::tinyV3Config();
    config["num_hidden_layers"] = 5;
    config["first_k_dense_replace"] = 2;  // layers 0-1 dense, 2-4 MoE
    const ModelConfig c = cfg(config);
    const WeightStore shared = WeightStore::synthetic(c, DType::F16, 9, true);
    const WeightStore full = WeightStore::synthetic(c, DType::F16, 9, false);
    const std::string attn = ".self_attn.kv_b_proj.weight";
    EXPECT_EQ(shared.get("model.layers.1" + attn).data, shared.get("model.layers.0" + attn).data);
    EXPECT_EQ(shared.get("model.layers.4" + attn).data, shared.get("model.layers.2" + attn).data);
    EXPECT_NE(shared.get("model.layers.2" + attn).data, shared.get("model.layers.0" + attn).data);
    EXPECT_EQ(shared.get("model.layers.4.mlp.experts.7.down_proj.weight").data,
              shared.get("model.layers.2.mlp.experts.7.down_proj.weight").data);
    EXPECT_EQ(shared.get("model.layers.3.mlp.gate.weight").name, "model.layers.3.mlp.gate.weight");
    EXPECT_NE(full.get("model.layers.4" + attn).data, full.get("model.layers.2" + attn).data);
    // Shared: globals + one dense + one MoE layer are held; full: every layer.
    std::size_t expectShared = 0, expectFull = 0;
    for (const TensorSpec& s : expectedTensors(c)) {
        std::size_t bytes = 2;
        for (auto d : s.shape)
            bytes *= static_cast<std::size_t>(d);
        expectFull += bytes;
        if (s.name.rfind("model.layers.", 0) != 0 || s.name.rfind("model.layers.0.", 0) == 0 ||
            s.name.rfind("model.layers.2.", 0) == 0)
            expectShared += bytes;
    }
    EXPECT_EQ(shared.totalBytes(), expectShared);
    EXPECT_EQ(full.totalBytes(), expectFull);
    // Same seed, same values for the layers that are held in both.
    EXPECT_EQ(floats(shared.get("model.layers.2" + attn)), floats(full.get("model.layers.2" + attn)));
}

TEST(SyntheticWeights, areDeterministicInTheSeed)
{
    const ModelConfig c = cfg(fathom::test::tinyV2Config());
    const WeightStore a = WeightStore::synthetic(c, DType::BF16, 42, false);
    const WeightStore b = WeightStore::synthetic(c, DType::BF16, 42, false);
    const WeightStore d = WeightStore::synthetic(c, DType::BF16, 43, false);
    const std::string n = "model.layers.1.mlp.experts.2.up_proj.weight";
    EXPECT_EQ(floats(a.get(n)), floats(b.get(n)));
    EXPECT_NE(floats(a.get(n)), floats(d.get(n)));
    EXPECT_NE(floats(a.get(n)), floats(a.get("model.layers.1.mlp.experts.3.up_proj.weight")));
}

TEST(SyntheticWeights, haveFanInScaledMatricesAndUnitNorms)
{
    json config = fathom::test::tinyV2Config();
    config["vocab_size"] = 4096;
    config["hidden_size"] = 64;
    const WeightStore s = WeightStore::synthetic(cfg(config), DType::F32, 3, true);
    const auto stats = [&](const std::string& name) {
        const auto v = floats(s.get(name));
        double sum = 0, sq = 0;
        for (float x : v)
            sum += x;
        const double mean = sum / static_cast<double>(v.size());
        for (float x : v)
            sq += (x - mean) * (x - mean);
        return std::pair{mean, std::sqrt(sq / static_cast<double>(v.size()))};
    };
    const auto [em, es] = stats("model.embed_tokens.weight");  // [4096, 64]: 262144 values
    EXPECT_NEAR(em, 0.0, 0.002);
    EXPECT_NEAR(es, 1.0 / 8.0, 0.125 * 0.02);
    const auto [dm, ds] = stats("model.layers.0.mlp.down_proj.weight");  // fan-in 48
    EXPECT_NEAR(ds, 1.0 / std::sqrt(48.0), 0.01);
    const auto [nm, ns] = stats("model.layers.0.input_layernorm.weight");
    EXPECT_NEAR(nm, 1.0, 0.05);
    EXPECT_LT(ns, 0.1);
}

}  // namespace
