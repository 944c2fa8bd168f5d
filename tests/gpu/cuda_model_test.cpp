// The whole CUDA model against the CPU reference (label gpu): a V2-Lite-shaped model with fewer
// layers, experts and vocab (so the CPU side stays fast) and random bf16 weights. Logits within
// 1e-2 relative L2 of the CPU engine's, greedy tokens identical where the CPU's top-2 margin is
// clear, decode (absorbed MLA, graph replay) consistent with prefill (expanded MLA, cuBLAS), and
// the failure modes (out of GPU memory, bad token) as fathom::Error. Skips without a usable GPU.
//
// Measured on an H200 (all-experts config): prefill logits 1.1% relative L2 from the fp32 CPU
// engine, rising from 0.6% at position 0 to 1.3% at 36; decode steps 0.85-1.0%. That is the bf16
// activation floor of this random-weight model (bf16 latent cache, bf16 q/P in attention, bf16
// expert inputs; random weights do not damp errors as trained ones do), so the bounds are 2e-2
// overall and 3e-2 for any row, not the 1e-2 a trained model is expected to meet.
//
// Tolerance tests route every token to all experts (top_k = n_routed): with top-6 of 16, a near tie
// between the 6th and 7th expert flips under bf16 rounding and moves that token's logits by
// several percent, which is expected MoE behaviour, not an error. The greedy test keeps V2-Lite's
// top-6 routing.
#include "inference/cpu/cpu_model.h"
#include "inference/cuda/cuda_device.h"
#include "inference/cuda/cuda_model.h"
#include "inference/model/model_config.h"
#include "inference/model/weight_store.h"
#include "inference/util/error.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>

using namespace fathom;
using namespace fathom::inference;

namespace {

#define SKIP_WITHOUT_GPU()                                                    \
    do {                                                                      \
        const cuda::DeviceInfo& dev = cuda::probeDevice();                    \
        if (!dev.usable) {                                                    \
            GTEST_SKIP() << "no usable CUDA device: " << dev.reason;          \
        }                                                                     \
    } while (0)

// V2-Lite's attention exactly; 3 layers (1 dense), 16 experts (top-6) or 8 (all chosen), 4096 vocab.
ModelConfig smallV2Lite(bool allExperts)
{
    std::ifstream in(std::string(FATHOM_TEST_DATA) + "/shapes/v2-lite.json");
    nlohmann::json j = nlohmann::json::parse(in);
    j["num_hidden_layers"] = 3;
    j["n_routed_experts"] = allExperts ? 8 : 16;
    j["num_experts_per_tok"] = allExperts ? 8 : 6;
    j["vocab_size"] = 4096;
    j["bos_token_id"] = 0;
    j["eos_token_id"] = 1;
    return ModelConfig::fromJson(j, "small v2-lite shape");
}

struct Fixture {
    explicit Fixture(bool allExperts = true) : config(smallV2Lite(allExperts)) {}
    ModelConfig config;
    WeightStore weights = WeightStore::synthetic(config, DType::BF16, 42, false);
    std::vector<std::int32_t> prompt(int n, int salt = 0) const
    {
        std::vector<std::int32_t> p(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i)
            p[static_cast<std::size_t>(i)] = static_cast<std::int32_t>((i * 2654435761u + salt * 97u) % config.vocabSize);
        return p;
    }
};

double relL2(const float* a, const float* ref, std::size_t n)
{
    double num = 0, den = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (!std::isfinite(a[i]))
            return INFINITY;
        num += (double(a[i]) - ref[i]) * (double(a[i]) - ref[i]);
        den += double(ref[i]) * ref[i];
    }
    return std::sqrt(num / den);
}

std::int32_t argmax(const float* v, std::size_t n) { return static_cast<std::int32_t>(std::max_element(v, v + n) - v); }

// Top-1 minus top-2 logit.
float margin(const float* v, std::size_t n)
{
    float a = -INFINITY, b = -INFINITY;
    for (std::size_t i = 0; i < n; ++i)
        if (v[i] > a) {
            b = a;
            a = v[i];
        } else if (v[i] > b) {
            b = v[i];
        }
    return a - b;
}

}  // namespace

TEST(CudaModel, prefillLogitsMatchCpuReferenceWithin2e2)
{
    SKIP_WITHOUT_GPU();
    Fixture f;
    const std::vector<std::int32_t> prompt = f.prompt(37);
    cpu::CpuModel cpuModel(f.config, f.weights, 0);
    KvCache cache = cpuModel.makeCache(128);
    const std::vector<float> ref = cpuModel.forward(prompt, 0, cache, false);

    cuda::CudaModelOptions o;
    o.contextLength = 256;
    o.prefillChunk = 16;  // three chunks: the second and third attend over cached pages
    cuda::CudaModel gpu(f.config, f.weights, o);
    const std::vector<float> got = gpu.forward(prompt, 0, false);
    ASSERT_EQ(got.size(), ref.size());
    const std::size_t V = static_cast<std::size_t>(f.config.vocabSize);
    double worst = 0;
    std::printf("per-row relative L2:");
    for (std::size_t r = 0; r < prompt.size(); ++r) {
        const double e = relL2(got.data() + r * V, ref.data() + r * V, V);
        worst = std::max(worst, e);
        std::printf(" %.3g", e);
    }
    const double all = relL2(got.data(), ref.data(), got.size());
    std::printf("\nCUDA vs CPU prefill logits: relative L2 %.3g (worst row %.3g)\n", all, worst);
    EXPECT_LT(all, 2e-2);
    EXPECT_LT(worst, 3e-2);
}

TEST(CudaModel, greedyDecodeMatchesCpuReferenceWhereMarginAllows)
{
    SKIP_WITHOUT_GPU();
    Fixture f(false);  // V2-Lite routing: top-6 of 16
    const std::vector<std::int32_t> prompt = f.prompt(20, 1);
    const std::size_t V = static_cast<std::size_t>(f.config.vocabSize);
    cpu::CpuModel cpuModel(f.config, f.weights, 0);
    KvCache cache = cpuModel.makeCache(128);
    std::vector<float> ref = cpuModel.forward(prompt, 0, cache, true);
    cuda::CudaModelOptions o;
    o.contextLength = 128;
    cuda::CudaModel gpu(f.config, f.weights, o);
    std::vector<float> got = gpu.forward(prompt, 0, true);
    int compared = 0;
    for (int step = 0; step < 16; ++step) {
        std::printf("step %d: relative L2 %.3g, CPU margin %.3g\n", step, relL2(got.data(), ref.data(), V), margin(ref.data(), V));
        EXPECT_LT(relL2(got.data(), ref.data(), V), 5e-2) << "step " << step << " (an expert flip moves a few %, more is a bug)";
        const std::int32_t want = argmax(ref.data(), V);
        if (margin(ref.data(), V) > 0.05f) {  // bf16 weights move logits by ~1e-2; a closer call may flip
            EXPECT_EQ(argmax(got.data(), V), want) << "step " << step;
            ++compared;
        }
        // Both continue with the CPU's token, so one near-tie does not end the comparison.
        const std::int64_t at = static_cast<std::int64_t>(prompt.size()) + step;
        ref = cpuModel.forward({want}, at, cache, true);
        got = gpu.forward({want}, at, true);  // one token: the captured decode graph
    }
    std::printf("greedy tokens compared at %d of 16 steps\n", compared);
    EXPECT_GT(compared, 8);
}

TEST(CudaModel, decodeGraphAgreesWithPrefill)
{
    SKIP_WITHOUT_GPU();
    Fixture f;
    const std::vector<std::int32_t> prompt = f.prompt(70, 2);  // crosses a 64-token page
    const std::size_t V = static_cast<std::size_t>(f.config.vocabSize);
    cuda::CudaModelOptions o;
    o.contextLength = 128;
    cuda::CudaModel gpu(f.config, f.weights, o);
    const std::vector<float> all = gpu.forward(prompt, 0, false);
    gpu.forward({prompt.begin(), prompt.begin() + 8}, 0, true);
    double worst = 0;
    for (std::size_t i = 8; i < prompt.size(); ++i) {
        const std::vector<float> step = gpu.forward({prompt[i]}, static_cast<std::int64_t>(i), true);
        const double e = relL2(step.data(), all.data() + i * V, V);
        worst = std::max(worst, e);
        std::printf(" %.3g", e);
    }
    std::printf("\ndecode graph vs prefill logits: worst relative L2 %.3g\n", worst);
    EXPECT_LT(worst, 3e-2);  // two bf16 paths, each ~1% from the fp32 reference
}

TEST(CudaModel, gpuSamplingReturnsGreedyTokens)
{
    SKIP_WITHOUT_GPU();
    Fixture f;
    const std::vector<std::int32_t> prompt = f.prompt(12, 3);
    const std::size_t V = static_cast<std::size_t>(f.config.vocabSize);
    cuda::CudaModelOptions o;
    o.contextLength = 64;
    cuda::CudaModel gpu(f.config, f.weights, o);
    gpu.forward({prompt.begin(), prompt.end() - 1}, 0, true);
    const std::vector<std::int32_t> sampled = gpu.generate(prompt.back(), 11, 6, cuda::GpuSampling{});
    // Replaying the same steps through forward(): each greedy id is the argmax of the logits.
    std::int32_t in = prompt.back();
    for (int i = 0; i < 6; ++i) {
        const std::vector<float> logits = gpu.forward({in}, 11 + i, true);
        if (margin(logits.data(), V) > 1e-3f) {
            EXPECT_EQ(sampled[static_cast<std::size_t>(i)], argmax(logits.data(), V)) << "step " << i;
        }
        in = sampled[static_cast<std::size_t>(i)];
    }
}

TEST(CudaModel, outOfGpuMemoryIsAResourceError)
{
    SKIP_WITHOUT_GPU();
    Fixture f;
    cuda::CudaModelOptions o;
    o.contextLength = 1'000'000'000;  // a latent cache of terabytes
    try {
        cuda::CudaModel gpu(f.config, f.weights, o);
        FAIL() << "expected an out-of-memory error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Resource) << e.what();
        EXPECT_NE(std::string(e.what()).find("GPU out of memory"), std::string::npos) << e.what();
    }
}

TEST(CudaModel, rejectsTokenOutsideVocabAndFullContext)
{
    SKIP_WITHOUT_GPU();
    Fixture f;
    cuda::CudaModelOptions o;
    o.contextLength = 64;
    cuda::CudaModel gpu(f.config, f.weights, o);
    try {
        gpu.forward({static_cast<std::int32_t>(f.config.vocabSize)}, 0, true);
        FAIL() << "expected a UserInput error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::UserInput);
    }
    try {
        gpu.forward(f.prompt(65), 0, true);
        FAIL() << "expected a Resource error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Resource);
    }
}

// The golden fixtures (tiny random checkpoints) use shapes the CUDA kernels do not run (kv_lora_rank
// 32, 4 heads); each is compared when supported and otherwise skipped with the reason.
TEST(CudaModel, goldenFixturesMatchTransformersWhereSupported)
{
    SKIP_WITHOUT_GPU();
    std::string skipped;
    int ran = 0;
    for (const char* name : {"v2lite", "v2", "v3"}) {
        const std::string dir = std::string(FATHOM_TEST_DATA) + "/golden/" + name;
        const ModelConfig config = ModelConfig::fromFile(dir + "/config.json");
        std::string why;
        if (!cuda::CudaModel::supports(config, &why)) {
            skipped += std::string(name) + ": " + why + "; ";
            continue;
        }
        ++ran;
        const WeightStore weights = WeightStore::openFolder(dir);
        std::ifstream in(dir + "/golden.json");
        const nlohmann::json j = nlohmann::json::parse(in);
        const auto prompt = j.at("prompt_tokens").get<std::vector<std::int32_t>>();
        cuda::CudaModelOptions o;
        o.contextLength = 256;
        cuda::CudaModel gpu(config, weights, o);
        cpu::CpuModel cpuModel(config, weights, 0);
        KvCache cache = cpuModel.makeCache(256);
        const std::vector<float> ref = cpuModel.forward(prompt, 0, cache, false);
        const std::vector<float> got = gpu.forward(prompt, 0, false);
        EXPECT_LT(relL2(got.data(), ref.data(), ref.size()), 1e-2) << name;
    }
    if (ran == 0)
        GTEST_SKIP() << skipped;
}
