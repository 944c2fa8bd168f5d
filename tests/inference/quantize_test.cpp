// --weights q8 / q4: the block quantizers' round-trip error on Gaussian weights, the layout of the
// quantized store (which tensors change, to which type), and a golden model quantized while it
// loads staying close to the original on the CPU engine.
#include "inference/cpu/cpu_model.h"
#include "inference/engine/engine.h"
#include "inference/model/model_config.h"
#include "inference/model/quant.h"
#include "inference/model/quantize.h"
#include "inference/model/weight_store.h"
#include "base/error.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

using namespace fathom;
using namespace fathom::inference;

namespace {

double relL2(const std::vector<float>& a, const std::vector<float>& ref)
{
    double num = 0, den = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        num += (double(a[i]) - ref[i]) * (double(a[i]) - ref[i]);
        den += double(ref[i]) * ref[i];
    }
    return std::sqrt(num / den);
}

std::vector<float> gaussian(std::size_t n, unsigned seed)
{
    std::mt19937 g(seed);
    std::normal_distribution<float> d(0.f, 0.02f);
    std::vector<float> v(n);
    for (float& x : v)
        x = d(g);
    return v;
}

struct RoundTrip {
    DType type;
    void (*quantize)(const float*, std::int64_t, std::byte*);
    double bound;  // relative L2 of dequantize(quantize(x)) against x, for N(0, sigma) weights
};

}  // namespace

TEST(Quantize, roundTripErrorOfEachTypeIsBounded)
{
    // Bounds from the level spacing: Q8_0 ~max/127 (0.6 %), Q5_0 ~max/16 (4.5 %), Q4_K ~range/15 (8 %).
    for (const RoundTrip& r : {RoundTrip{DType::Q8_0, quantizeQ8_0, 0.01}, RoundTrip{DType::Q5_0, quantizeQ5_0, 0.07},
                               RoundTrip{DType::Q4_K, quantizeQ4_K, 0.12}}) {
        SCOPED_TRACE(dtypeName(r.type));
        const std::int64_t n = 64 * 256;
        const std::vector<float> x = gaussian(n, 7);
        std::vector<std::byte> q(rowBytes(r.type, n));
        r.quantize(x.data(), n, q.data());
        std::vector<float> back(n);
        dequantize(r.type, q.data(), n, back.data());
        const double err = relL2(back, x);
        std::printf("%s: round-trip relative L2 %.4f\n", dtypeName(r.type), err);
        EXPECT_LT(err, r.bound);
        EXPECT_GT(err, 0.0);
    }
}

TEST(Quantize, zeroBlocksStayZeroAndExtremesKeepTheirSign)
{
    std::vector<float> x(256, 0.f);
    x[3] = 1.f;
    x[40] = -2.f;
    for (const RoundTrip& r : {RoundTrip{DType::Q8_0, quantizeQ8_0, 0}, RoundTrip{DType::Q5_0, quantizeQ5_0, 0},
                               RoundTrip{DType::Q4_K, quantizeQ4_K, 0}}) {
        const DType type = r.type;
        SCOPED_TRACE(dtypeName(type));
        std::vector<std::byte> q(rowBytes(type, 256));
        r.quantize(x.data(), 256, q.data());
        std::vector<float> back(256);
        dequantize(type, q.data(), 256, back.data());
        EXPECT_GT(back[3], 0.5f);
        EXPECT_LT(back[40], -1.5f);
        EXPECT_NEAR(back[200], 0.f, 1e-3f);  // an all-zero sub-block
    }
}

TEST(Quantize, storeQuantizesTheLargeMatricesOnly)
{
    const std::string dir = FATHOM_TEST_DATA "/golden/v2lite";
    for (WeightFormat f : {WeightFormat::Q8, WeightFormat::Q4}) {
        SCOPED_TRACE(weightFormatName(f));
        WeightStore w = quantizeWeights(WeightStore::openFolder(dir), f, 2);
        const std::string l = "model.layers.1.";
        EXPECT_EQ(w.get(l + "input_layernorm.weight").dtype, DType::BF16);        // norms stay
        EXPECT_EQ(w.get(l + "mlp.gate.weight").dtype, DType::BF16);               // the router stays
        EXPECT_EQ(w.get(l + "self_attn.kv_b_proj.weight").dtype, DType::BF16);    // read as bf16 by the attention
        EXPECT_EQ(w.get("lm_head.weight").dtype, DType::Q8_0);
        const DType expert = w.get(l + "mlp.experts.0.up_proj.weight").dtype;
        EXPECT_EQ(expert, f == WeightFormat::Q8 ? DType::Q8_0 : DType::Q5_0);  // hidden 64: no 256-blocks
        EXPECT_TRUE(isQuantized(w.get(l + "self_attn.o_proj.weight").dtype));
        EXPECT_NE(weightsSummary(w).find(f == WeightFormat::Q8 ? "Q8_0" : "Q5_0"), std::string::npos) << weightsSummary(w);
    }
}

// The golden V2-Lite-shaped model quantized while it loads runs on the CPU engine close to the original.
TEST(Quantize, goldenModelQuantizedAtLoadStaysCloseToTheOriginal)
{
    const std::string dir = FATHOM_TEST_DATA "/golden/v2lite";
    const ModelConfig config = ModelConfig::fromFile(dir + "/config.json");
    const std::vector<std::int32_t> prompt = {1, 17, 42, 99, 250, 7, 3, 128};
    const WeightStore original = WeightStore::openFolder(dir);
    cpu::CpuModel ref(config, original, 1);
    KvCache rc = ref.makeCache(64);
    const std::vector<float> want = ref.forward(prompt, 0, rc);
    for (auto [f, bound] : {std::pair{WeightFormat::Q8, 0.03}, std::pair{WeightFormat::Q4, 0.2}}) {
        SCOPED_TRACE(weightFormatName(f));
        const WeightStore q = quantizeWeights(WeightStore::openFolder(dir), f, 2);
        cpu::CpuModel m(config, q, 1);
        KvCache c = m.makeCache(64);
        const double err = relL2(m.forward(prompt, 0, c), want);
        std::printf("%s: logits relative L2 %.4f against the unquantized model\n", weightFormatName(f), err);
        EXPECT_LT(err, bound);
    }
    EngineOptions options;
    options.backend = Backend::Cpu;
    options.threads = 1;
    options.contextLength = 64;
    options.weights = WeightFormat::Q8;
    const auto engine = Engine::load(dir, options);
    EXPECT_EQ(engine->info().quantization.rfind("Q8_0", 0), 0u) << engine->info().quantization;
    EXPECT_LT(engine->info().weightBytes, original.totalBytes());
}

TEST(Quantize, weightFormatNamesAreParsedOrRefused)
{
    EXPECT_EQ(parseWeightFormat("q8"), WeightFormat::Q8);
    EXPECT_EQ(parseWeightFormat("q4"), WeightFormat::Q4);
    EXPECT_EQ(parseWeightFormat("bf16"), WeightFormat::AsStored);
    try {
        parseWeightFormat("q3");
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::UserInput);
        EXPECT_NE(std::string(e.what()).find("q8 or q4"), std::string::npos);
    }
}
