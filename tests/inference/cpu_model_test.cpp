// CpuModel on tiny synthetic DeepSeek-V2 / V3 shapes: decoding token by token, resuming from a
// cached prefix and both MLA forms all give the logits of one full pass; bad input is refused.
#include "inference/cpu/cpu_model.h"
#include "base/error.h"
#include "tests/inference/model_files.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace fathom;
using namespace fathom::inference;
using namespace fathom::inference::cpu;

namespace {

double relL2(const float* a, const float* b, std::size_t n)
{
    double num = 0, den = 0;
    for (std::size_t i = 0; i < n; ++i) {
        num += double(a[i] - b[i]) * (a[i] - b[i]);
        den += double(b[i]) * b[i];
    }
    return std::sqrt(num / std::max(den, 1e-30));
}

struct Tiny {
    ModelConfig config;
    WeightStore weights;
};

Tiny tiny(const nlohmann::json& json, DType dtype)
{
    Tiny t{ModelConfig::fromJson(json, "config.json"), {}};
    t.weights = WeightStore::synthetic(t.config, dtype, 42, false);
    return t;
}

nlohmann::json tinyGroupedV2()
{
    nlohmann::json c = test::tinyV2Config();
    c["topk_method"] = "group_limited_greedy";
    c["n_group"] = 2;
    c["topk_group"] = 1;
    c["routed_scaling_factor"] = 16.0;
    return c;
}

const std::vector<std::int32_t> kPrompt = {3, 17, 42, 5, 60, 9, 33, 71, 2, 11, 50, 8};

class CpuModelShapes : public ::testing::TestWithParam<int> {
protected:
    Tiny make() const
    {
        switch (GetParam()) {
        case 0: return tiny(test::tinyV2Config(), DType::BF16);
        case 1: return tiny(test::tinyV3Config(), DType::F16);
        default: return tiny(tinyGroupedV2(), DType::F32);
        }
    }
};

}  // namespace

TEST_P(CpuModelShapes, decodingTokenByTokenEqualsFullPass)
{
    Tiny t = make();
    CpuModel model(t.config, t.weights, 2);
    const std::size_t V = std::size_t(t.config.vocabSize);
    KvCache full = model.makeCache(64);
    const std::vector<float> ref = model.forward(kPrompt, 0, full);
    ASSERT_EQ(ref.size(), kPrompt.size() * V);
    for (float v : ref)
        ASSERT_TRUE(std::isfinite(v));

    KvCache step = model.makeCache(64);
    for (std::size_t i = 0; i < kPrompt.size(); ++i) {
        const std::vector<float> one = model.forward({kPrompt[i]}, std::int64_t(i), step);
        ASSERT_EQ(one.size(), V);
        EXPECT_LT(relL2(one.data(), ref.data() + i * V, V), 1e-5) << "position " << i;
    }
    EXPECT_EQ(step.tokens(), kPrompt);
}

TEST_P(CpuModelShapes, absorbedAndExpandedAttentionAgree)
{
    Tiny t = make();
    CpuModel model(t.config, t.weights, 3);
    model.setMlaMode(MlaMode::Expanded);
    KvCache a = model.makeCache(64), b = model.makeCache(64);
    const std::vector<float> expanded = model.forward(kPrompt, 0, a);
    model.setMlaMode(MlaMode::Absorbed);
    const std::vector<float> absorbed = model.forward(kPrompt, 0, b);
    EXPECT_LT(relL2(absorbed.data(), expanded.data(), expanded.size()), 1e-5);
    EXPECT_GT(relL2(absorbed.data(), expanded.data() + 1, expanded.size() - 1), 1e-2) << "logits are degenerate";
}

TEST_P(CpuModelShapes, resumingFromCachedPrefixEqualsFullPass)
{
    Tiny t = make();
    CpuModel model(t.config, t.weights, 2);
    const std::size_t V = std::size_t(t.config.vocabSize);
    KvCache cache = model.makeCache(64);
    const std::vector<float> ref = model.forward(kPrompt, 0, cache, true);
    ASSERT_EQ(ref.size(), V);
    // A different continuation after 7 shared tokens overwrites the tail, then the original again.
    std::vector<std::int32_t> other(kPrompt.begin() + 7, kPrompt.end());
    other[0] = 1;
    model.forward(other, 7, cache);
    const std::vector<std::int32_t> tail(kPrompt.begin() + 7, kPrompt.end());
    const std::vector<float> resumed = model.forward(tail, 7, cache, true);
    EXPECT_LT(relL2(resumed.data(), ref.data(), V), 1e-5);
    EXPECT_EQ(cache.tokens(), kPrompt);
}

INSTANTIATE_TEST_SUITE_P(Tiny, CpuModelShapes, ::testing::Values(0, 1, 2),
                         [](const auto& p) { return std::string(p.param == 0 ? "v2_bf16" : p.param == 1 ? "v3_f16" : "v2grouped_f32"); });

TEST(CpuModel, threadCountDoesNotChangeLogits)
{
    Tiny t = tiny(test::tinyV3Config(), DType::BF16);
    CpuModel one(t.config, t.weights, 1), four(t.config, t.weights, 4);
    KvCache a = one.makeCache(32), b = four.makeCache(32);
    const std::vector<float> x = one.forward(kPrompt, 0, a), y = four.forward(kPrompt, 0, b);
    EXPECT_LT(relL2(x.data(), y.data(), x.size()), 1e-6);
}

TEST(CpuModel, refusesTokenOutsideVocabAndFullContext)
{
    Tiny t = tiny(test::tinyV2Config(), DType::BF16);
    CpuModel model(t.config, t.weights, 2);
    KvCache cache = model.makeCache(8);
    try {
        model.forward({1, 96}, 0, cache);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::UserInput);
        EXPECT_NE(std::string(e.what()).find("96"), std::string::npos) << e.what();
    }
    model.forward({1, 2, 3, 4, 5, 6}, 0, cache);
    try {
        model.forward({7, 8, 9}, 6, cache);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Resource);
        EXPECT_NE(std::string(e.what()).find("context is full"), std::string::npos) << e.what();
    }
    EXPECT_EQ(cache.size(), 6) << "a refused call must leave the cache as it was";
}

TEST(CpuModel, tiedEmbeddingsServeAsLmHead)
{
    nlohmann::json json = test::tinyV2Config();
    json["tie_word_embeddings"] = true;
    Tiny t = tiny(json, DType::F32);
    ASSERT_EQ(t.weights.find("lm_head.weight"), nullptr);
    CpuModel tied(t.config, t.weights, 2);
    KvCache c1 = tied.makeCache(8);
    const std::vector<float> logits = tied.forward({4, 9}, 0, c1);

    // The same weights untied, with lm_head an explicit copy of the embedding: identical logits.
    test::TempDir dir;
    std::vector<const TensorView*> views;
    for (const std::string& name : t.weights.names())
        views.push_back(t.weights.find(name));
    TensorView head = t.weights.get("model.embed_tokens.weight");
    head.name = "lm_head.weight";
    views.push_back(&head);
    test::writeViews(dir.file("model.safetensors"), views);
    nlohmann::json untiedJson = json;
    untiedJson["tie_word_embeddings"] = false;
    const ModelConfig untiedConfig = ModelConfig::fromJson(untiedJson, "config.json");
    const WeightStore untiedWeights = WeightStore::openFile(dir.file("model.safetensors"));
    CpuModel untied(untiedConfig, untiedWeights, 2);
    KvCache c2 = untied.makeCache(8);
    const std::vector<float> reference = untied.forward({4, 9}, 0, c2);
    ASSERT_EQ(logits.size(), reference.size());
    EXPECT_EQ(logits, reference);
}

TEST(KvCache, appendsTruncatesAndRefusesPastCapacity)
{
    KvCache cache(2, 3, 5);
    const std::int32_t ids[4] = {7, 8, 9, 10};
    cache.append(ids, 3);
    EXPECT_EQ(cache.size(), 3);
    cache.layer(1)[2 * 3 + 2] = 42.0f;
    cache.truncate(1);
    EXPECT_EQ(cache.tokens(), std::vector<std::int32_t>{7});
    cache.append(ids + 1, 3);
    EXPECT_EQ(cache.tokens(), (std::vector<std::int32_t>{7, 8, 9, 10}));
    EXPECT_THROW(cache.append(ids, 2), Error);
    EXPECT_EQ(cache.size(), 4);
    EXPECT_THROW(cache.truncate(5), Error);
}
