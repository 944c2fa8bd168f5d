// The CPU engine against transformers 5.17 fp32 on the tiny random checkpoints in tests/data/golden
// (V2-Lite layout in bf16, V2 sharded in f32, V3 in f16) and the trained embedded tiny coder: logits within 1e-3 relative L2, and the
// same 16 greedy tokens when decoding token by token from the latent cache.
#include "inference/cpu/cpu_model.h"
#include "inference/model/model_config.h"
#include "inference/model/weight_store.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace fathom::inference;

namespace {

// Minimal .npy reader for the fixtures: little-endian float32, C order, 2-D.
std::vector<float> readNpy(const std::string& path, std::int64_t& rows, std::int64_t& cols)
{
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
        throw std::runtime_error(path + ": not a .npy file");
    const std::size_t headerLen = std::uint8_t(bytes[8]) | (std::size_t(std::uint8_t(bytes[9])) << 8);
    const std::string header = bytes.substr(10, headerLen);
    if (header.find("'<f4'") == std::string::npos || header.find("'fortran_order': False") == std::string::npos)
        throw std::runtime_error(path + ": expected little-endian float32 in C order");
    const std::size_t open = header.find('('), comma = header.find(',', open), close = header.find(')', open);
    rows = std::stoll(header.substr(open + 1, comma - open - 1));
    cols = std::stoll(header.substr(comma + 1, close - comma - 1));
    std::vector<float> v(static_cast<std::size_t>(rows * cols));
    if (bytes.size() < 10 + headerLen + v.size() * 4)
        throw std::runtime_error(path + ": data is shorter than its shape");
    std::memcpy(v.data(), bytes.data() + 10 + headerLen, v.size() * 4);
    return v;
}

struct Golden {
    std::string dir;
    std::vector<std::int32_t> prompt, greedy;
    std::vector<float> logits;  // fp32 [prompt, vocab]
    std::int64_t rows = 0, cols = 0;
};

// "v2lite" etc. live in tests/data/golden/NAME; "tiny_coder" is the embedded model in resources/
// with its goldens in tests/data/tiny_coder/golden.
Golden loadGolden(const std::string& name)
{
    Golden g;
    const std::string data = FATHOM_TEST_DATA;
    const std::string goldenDir = name == "tiny_coder" ? data + "/tiny_coder/golden" : data + "/golden/" + name;
    g.dir = name == "tiny_coder" ? data + "/../../resources/models/fathom-tiny-coder" : goldenDir;
    std::ifstream in(goldenDir + "/golden.json");
    const nlohmann::json j = nlohmann::json::parse(in);
    g.prompt = j.at("prompt_tokens").get<std::vector<std::int32_t>>();
    g.greedy = j.at("greedy_tokens").get<std::vector<std::int32_t>>();
    g.logits = readNpy(goldenDir + "/" + j.at("logits").get<std::string>(), g.rows, g.cols);
    return g;
}

class GoldenFixture : public ::testing::TestWithParam<const char*> {};

}  // namespace

TEST_P(GoldenFixture, logitsMatchTransformersWithin1e3)
{
    const Golden g = loadGolden(GetParam());
    const ModelConfig config = ModelConfig::fromFile(g.dir + "/config.json");
    const WeightStore weights = WeightStore::openFolder(g.dir);
    cpu::CpuModel model(config, weights, 2);
    KvCache cache = model.makeCache(256);
    const std::vector<float> logits = model.forward(g.prompt, 0, cache);
    ASSERT_EQ(g.rows, std::int64_t(g.prompt.size()));
    ASSERT_EQ(logits.size(), g.logits.size());
    double num = 0, den = 0, worstRow = 0;
    for (std::int64_t r = 0; r < g.rows; ++r) {
        double rn = 0, rd = 0;
        for (std::int64_t c = 0; c < g.cols; ++c) {
            const double d = double(logits[size_t(r * g.cols + c)]) - g.logits[size_t(r * g.cols + c)];
            rn += d * d;
            rd += double(g.logits[size_t(r * g.cols + c)]) * g.logits[size_t(r * g.cols + c)];
        }
        num += rn;
        den += rd;
        worstRow = std::max(worstRow, std::sqrt(rn / rd));
    }
    const double rel = std::sqrt(num / den);
    std::printf("%s: relative L2 %.3g (worst row %.3g)\n", GetParam(), rel, worstRow);
    EXPECT_LT(rel, 1e-3);
    EXPECT_LT(worstRow, 1e-3);
}

TEST_P(GoldenFixture, greedyDecodeMatchesTransformers)
{
    const Golden g = loadGolden(GetParam());
    const ModelConfig config = ModelConfig::fromFile(g.dir + "/config.json");
    const WeightStore weights = WeightStore::openFolder(g.dir);
    cpu::CpuModel model(config, weights, 2);
    KvCache cache = model.makeCache(256);
    std::vector<float> logits = model.forward(g.prompt, 0, cache, true);
    std::vector<std::int32_t> out;
    for (std::size_t i = 0; i < g.greedy.size(); ++i) {
        const auto best = std::max_element(logits.begin(), logits.end()) - logits.begin();
        out.push_back(static_cast<std::int32_t>(best));
        logits = model.forward({out.back()}, cache.size(), cache, true);
    }
    EXPECT_EQ(out, g.greedy);
}

INSTANTIATE_TEST_SUITE_P(Transformers, GoldenFixture, ::testing::Values("v2lite", "v2", "v3", "tiny_coder"));
