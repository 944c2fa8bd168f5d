// Long test (ctest -L long): full-depth synthetic V2-Lite weights with shared layers fit in a few GB,
// hold exactly one dense and one MoE layer, and are made in seconds.
#include "inference/model/weight_store.h"

#include "model_files.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

namespace {

using namespace fathom::inference;

TEST(SyntheticWeights, fullV2LiteShapeWithSharedLayersFitsInAFewGB)
{
    const ModelConfig c = ModelConfig::fromJson(fathom::test::v2LiteConfig(), "config.json");
    const auto t0 = std::chrono::steady_clock::now();
    const WeightStore s = WeightStore::synthetic(c, DType::BF16, 1, true);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    std::size_t expected = 0;  // globals + layer 0 (dense) + layer 1 (MoE), bf16
    for (const TensorSpec& t : expectedTensors(c)) {
        if (t.name.rfind("model.layers.", 0) == 0 && t.name.rfind("model.layers.0.", 0) != 0 &&
            t.name.rfind("model.layers.1.", 0) != 0)
            continue;
        std::size_t n = 2;
        for (auto d : t.shape)
            n *= static_cast<std::size_t>(d);
        expected += n;
    }
    EXPECT_EQ(s.totalBytes(), expected);
    EXPECT_LT(s.totalBytes(), std::size_t{3} << 30);
    EXPECT_EQ(s.names().size(), expectedTensors(c).size());
    EXPECT_EQ(s.get("model.layers.26.mlp.experts.63.down_proj.weight").data,
              s.get("model.layers.1.mlp.experts.63.down_proj.weight").data);
    EXPECT_TRUE(s.validateAgainst(c, "synthetic").empty());
    std::printf("synthetic V2-Lite (shared layers, bf16): %.2f GB in %.2f s\n", static_cast<double>(s.totalBytes()) / 1e9,
                seconds);
}

}  // namespace
