// The checked-in checkpoints (tests/data/golden/{v2lite,v2,v3}: single file bf16, three f32 shards,
// single file f16; and the embedded Fathom Tiny Coder) open, validate against their config.json with
// no unexpected tensors, and read back finite values.
#include "inference/model/weight_store.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>

namespace {

using namespace fathom::inference;

struct Golden {
    std::string dir;
    DType dtype;
    std::size_t files;
    const char* architecture;
};

void checkModel(const Golden& g)
{
    SCOPED_TRACE(g.dir);
    const ModelConfig c = ModelConfig::fromFile(g.dir + "/config.json");
    EXPECT_EQ(c.architecture, g.architecture);
    const WeightStore store = WeightStore::openFolder(g.dir);
    EXPECT_TRUE(store.validateAgainst(c, g.dir).empty());
    const auto expected = expectedTensors(c);
    EXPECT_EQ(store.names().size(), expected.size());
    std::set<std::string> files;
    std::size_t bytes = 0;
    for (const TensorSpec& s : expected) {
        const TensorView& t = store.get(s.name);
        EXPECT_EQ(t.dtype, g.dtype) << s.name;
        files.insert(t.file);
        bytes += t.nbytes;
        std::vector<float> v(static_cast<std::size_t>(t.numel()));
        toFloat(t, 0, t.numel(), v.data());
        for (float x : v)
            ASSERT_TRUE(std::isfinite(x)) << s.name;
    }
    EXPECT_EQ(files.size(), g.files);
    EXPECT_EQ(store.totalBytes(), bytes);
}

TEST(GoldenModels, v2LiteOpensAndValidates)
{
    checkModel({FATHOM_TEST_DATA "/golden/v2lite", DType::BF16, 1, "DeepseekV2ForCausalLM"});
}

TEST(GoldenModels, v2ShardedOpensAndValidates)
{
    checkModel({FATHOM_TEST_DATA "/golden/v2", DType::F32, 3, "DeepseekV2ForCausalLM"});
}

TEST(GoldenModels, v3OpensAndValidates)
{
    checkModel({FATHOM_TEST_DATA "/golden/v3", DType::F16, 1, "DeepseekV3ForCausalLM"});
}

TEST(GoldenModels, embeddedTinyCoderOpensAndValidates)
{
    checkModel({FATHOM_TEST_DATA "/../../resources/models/fathom-tiny-coder", DType::BF16, 1, "DeepseekV2ForCausalLM"});
}

}  // namespace
