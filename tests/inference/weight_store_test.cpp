// WeightStore: opening folders (single file and sharded), the index checks (RELIABILITY.md 5), the
// architecture check (6, 8), expectedTensors for the real model shapes, and synthetic weights.
#include "inference/model/weight_store.h"

#include "model_files.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

namespace {

using namespace fathom::inference;
using fathom::test::errorOf;
using fathom::test::TempDir;
using nlohmann::json;

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

}  // namespace
