// The whole CUDA model against the CPU reference (label gpu): a V2-Lite-shaped model with fewer
// layers, experts and vocab (so the CPU side stays fast) and random bf16 weights; then every golden
// fixture (V2-Lite / V2 / V3 shapes, tiny) and the embedded tiny coder, which run the generic kernels. Logits within
// 1e-2 relative L2 of the CPU engine's, greedy tokens identical where the CPU's top-2 margin is
// clear, decode (absorbed MLA, graph replay) consistent with prefill (expanded MLA, cuBLAS), and
// the failure modes (out of GPU memory, bad token) as fathom::Error. Skips without a usable GPU.
//
// Measured on an H200 (all-experts config): prefill logits 1.1% relative L2 from the fp32 CPU
// engine, rising from 0.6% at position 0 to 1.3% at 36; decode steps 0.85-1.0%. That is the bf16
// activation floor of this random-weight model (bf16 latent cache, bf16 q/P in attention, bf16
// expert inputs; random weights do not damp errors as trained ones do), so the bounds are 2e-2
// overall and 3e-2 for any row, not the 1e-2 a trained model is expected to meet.
// tools/bf16-error-budget.py reproduces those numbers on the CPU (1.11%; 0.56% -> 1.28%) by rounding
// exactly where the CUDA prefill does: the residual stream is already fp32, and the error is ~10
// roundings a layer of GEMM / tensor-core inputs, none above 0.6% alone; dropping the two that no
// GEMM needs (moe_prefill's ws_y, lm_head's input) leaves 1.1%. 1e-2 here needs wider GEMM inputs.
//
// Tolerance tests route every token to all experts (top_k = n_routed): with top-6 of 16, a near tie
// between the 6th and 7th expert flips under bf16 rounding and moves that token's logits by
// several percent, which is expected MoE behaviour, not an error. The greedy test keeps V2-Lite's
// top-6 routing.
#include "inference/cpu/cpu_model.h"
#include "inference/cuda/cuda_device.h"
#include "inference/cuda/cuda_model.h"
#include "inference/sampling/sampler.h"
#include "inference/model/model_config.h"
#include "inference/model/model_open.h"
#include "inference/model/weight_store.h"
#include "base/error.h"

#include <cuda_runtime.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
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

TEST(CudaModel, gpuSampledStepReturnsGreedyTokens)
{
    SKIP_WITHOUT_GPU();
    Fixture f;
    const std::vector<std::int32_t> prompt = f.prompt(12, 3);
    const std::size_t V = static_cast<std::size_t>(f.config.vocabSize);
    cuda::CudaModelOptions o;
    o.contextLength = 64;
    cuda::CudaModel gpu(f.config, f.weights, o);
    gpu.forward({prompt.begin(), prompt.end() - 1}, 0, true);
    std::vector<std::int32_t> sampled;
    StepSampling greedy;
    greedy.params.temperature = 0.f;
    std::int32_t next = prompt.back();
    for (int i = 0; i < 6; ++i)
        sampled.push_back(next = gpu.step({next}, 11 + i, greedy));
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

TEST(CudaModel, gpuSampledStepEqualsTheEngineSamplerOnTheSameLogits)
{
    SKIP_WITHOUT_GPU();
    Fixture f;
    const std::vector<std::int32_t> prompt = f.prompt(12, 5);
    const std::int64_t V = f.config.vocabSize;
    cuda::CudaModelOptions o;
    o.contextLength = 64;
    cuda::CudaModel gpu(f.config, f.weights, o);
    gpu.forward({prompt.begin(), prompt.end() - 1}, 0, true);
    StepSampling s;
    s.params.temperature = 0.7f;
    s.params.topP = 0.95f;
    s.params.topK = 40;
    s.params.repetitionPenalty = 1.1f;
    s.params.presencePenalty = 0.2f;
    s.params.seed = 11;
    std::vector<std::int32_t> history = prompt;
    int equal = 0;
    for (int i = 0; i < 16; ++i) {
        const std::int64_t pos = 11 + i;
        s.draw = static_cast<std::uint64_t>(i);
        s.recent = history;
        // The same step twice: once for its logits (sampled on the host), once sampled on the GPU.
        const std::vector<float> logits = gpu.forward({history.back()}, pos, true);
        const std::int32_t want = Sampler(s.params).sample(logits.data(), V, history, s.draw);
        const std::int32_t got = gpu.step({history.back()}, pos, s);
        equal += got == want;
        history.push_back(got);
    }
    std::printf("GPU-sampled steps equal to the CPU Sampler on the step's logits: %d/16\n", equal);
    EXPECT_GE(equal, 15);  // a draw on a rounding boundary may differ (expf in the last bit)
}

// The memory plan refuses before allocating: a context of terabytes, and a context that only a
// smaller cap rules out, whose message names the context that would fit.
TEST(CudaModel, modelThatDoesNotFitIsRefusedByTheMemoryPlan)
{
    SKIP_WITHOUT_GPU();
    Fixture f;
    std::size_t free0 = 0, total = 0;
    cudaMemGetInfo(&free0, &total);
    cuda::CudaModelOptions o;
    o.contextLength = 1'000'000'000;  // a latent cache of terabytes
    try {
        cuda::CudaModel gpu(f.config, f.weights, o);
        FAIL() << "expected the memory plan to refuse";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Resource) << e.what();
        EXPECT_NE(std::string(e.what()).find("of GPU memory"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("use a context of at most"), std::string::npos) << e.what();
    }
    std::size_t free1 = 0;
    cudaMemGetInfo(&free1, &total);
    EXPECT_GE(free1 + (64u << 20), free0) << "the refusal left memory allocated";

    o.contextLength = 262144;
    o.memoryLimitBytes = 2ull << 30;  // 2 GiB (1.5 after the CUDA context): the small model fits with a short context only
    try {
        cuda::CudaModel gpu(f.config, f.weights, o);
        FAIL() << "expected the 2 GiB cap to refuse a 256k context";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Resource) << e.what();
        EXPECT_NE(std::string(e.what()).find("--gpu-memory-limit"), std::string::npos) << e.what();
    }
    o.contextLength = 1024;
    cuda::CudaModel fits(f.config, f.weights, o);
    EXPECT_EQ(fits.capacity(), 1024);
}

// A GGUF file on the packed layout (its F32 / F16 / BF16 / Q8_0 / Q4_0 / Q4_1 / Q5_0 / Q5_1
// blocks as stored, the split attn_k_b / attn_v_b, merged experts) against the CPU engine on the
// same file: prefill logits and decode steps, greedy tokens where the margin allows.
// Both decode paths of the packed kernels: fp32 activations, and int8 activations (the default:
// x rounded to int8 per 32 elements for the Q8_0 / Q5_0 matrices of this file).
TEST(CudaModel, ggufFileOnPackedWeightsMatchesCpuEngine)
{
    SKIP_WITHOUT_GPU();
    const OpenedModel m = openModel(std::string(FATHOM_TEST_DATA) + "/gguf/v2lite-mixed.gguf");
    ASSERT_TRUE(cuda::CudaWeights::packedLayout(m.config, m.weights));
    const std::size_t V = static_cast<std::size_t>(m.config.vocabSize);
    for (int int8 : {0, 1}) {
        SCOPED_TRACE(int8 ? "int8 activations" : "fp32 activations");
        cuda::CudaModelOptions o;
        o.contextLength = 256;
        o.prefillChunk = 16;
        o.int8Activations = int8;
        cuda::CudaModel gpu(m.config, m.weights, o);
        EXPECT_TRUE(gpu.packedWeights());
        cpu::CpuModel cpuModel(m.config, m.weights, 0);
        KvCache cache = cpuModel.makeCache(256);
        std::vector<std::int32_t> prompt;
        for (int i = 0; i < 40; ++i)
            prompt.push_back(static_cast<std::int32_t>((i * 2654435761u) % V));
        const std::vector<float> ref = cpuModel.forward(prompt, 0, cache, false);
        const std::vector<float> got = gpu.forward(prompt, 0, false);
        ASSERT_EQ(got.size(), ref.size());
        const double all = relL2(got.data(), ref.data(), ref.size());
        std::printf("v2lite-mixed.gguf: prefill logits relative L2 %.3g\n", all);
        EXPECT_LT(all, 2e-2);
        std::int32_t next = argmax(got.data() + (prompt.size() - 1) * V, V);
        double worst = 0;
        for (int i = 0; i < 8; ++i) {
            const std::int64_t at = static_cast<std::int64_t>(prompt.size()) + i;
            const std::vector<float> r = cpuModel.forward({next}, at, cache, true);
            const std::vector<float> g = gpu.forward({next}, at, true);
            worst = std::max(worst, relL2(g.data(), r.data(), V));
            if (margin(r.data(), V) > 0.1) {
                EXPECT_EQ(argmax(g.data(), V), argmax(r.data(), V)) << "decode step " << i;
            }
            next = argmax(r.data(), V);
        }
        std::printf("v2lite-mixed.gguf: decode logits worst relative L2 %.3g (%s activations into packed GEMVs)\n", worst,
                    int8 ? "int8" : "fp32");
        EXPECT_LT(worst, 2e-2);
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

// The V2-Lite shape must keep running the specialised kernels (tensor-core mla_decode, grouped
// moe_prefill, q_proj): the generic paths below exist for other shapes only.
TEST(CudaModel, v2LiteShapeRunsTheSpecialisedKernels)
{
    SKIP_WITHOUT_GPU();
    Fixture f;
    cuda::CudaModelOptions o;
    o.contextLength = 64;
    cuda::CudaModel gpu(f.config, f.weights, o);
    gpu.forward(f.prompt(9), 0, true);
    gpu.forward({3}, 9, true);
    gpu.forward({4}, 10, true);
    const cuda::KernelPathCounts& k = gpu.kernelPaths();
    EXPECT_GT(k.mlaDecodeFast, 0);
    EXPECT_EQ(k.mlaDecodeGeneric, 0);
    EXPECT_GT(k.expertsGrouped, 0);
    EXPECT_EQ(k.expertsPerToken, 0);
    EXPECT_EQ(k.qLoraLayers, 0);
}

namespace {

// A copy of a checkpoint with every weight matrix in bf16 (biases as stored), in a temp folder: the
// CUDA backend keeps weights in bf16, so the CPU reference must read the same numbers for the
// comparison to measure the engine rather than the rounding of fp32 / fp16 fixtures.
// With coarser, every bf16 matrix also loses its last mantissa bit (round half to even): the
// sensitivity probe below.
std::string bf16Copy(const std::string& dir, const std::string& name, bool coarser = false)
{
    const WeightStore src = WeightStore::openFolder(dir);
    std::vector<std::string> names = src.names();
    auto keep = [&](const std::string& n) { return n.find("e_score_correction_bias") != std::string::npos; };
    auto width = [&](const std::string& n) { return keep(n) ? dtypeSize(src.get(n).dtype) : std::size_t(2); };
    std::stable_sort(names.begin(), names.end(), [&](const std::string& a, const std::string& b) { return width(a) > width(b); });
    nlohmann::json header = nlohmann::json::object();
    std::string data;
    for (const std::string& n : names) {
        const TensorView& t = src.get(n);
        std::string bytes;
        if (keep(n) || t.dtype == DType::BF16) {
            bytes.assign(reinterpret_cast<const char*>(t.data), t.nbytes);
        } else {
            std::vector<float> f(static_cast<std::size_t>(t.numel()));
            toFloat(t, 0, t.numel(), f.data());
            bytes.resize(f.size() * 2);
            fromFloat(DType::BF16, f.data(), t.numel(), reinterpret_cast<std::byte*>(bytes.data()));
        }
        if (coarser && !keep(n)) {
            for (std::size_t i = 0; i + 1 < bytes.size(); i += 2) {
                std::uint16_t u;
                std::memcpy(&u, bytes.data() + i, 2);
                if (u & 1u)  // halfway between two 6-bit-mantissa values: take the even one
                    u = static_cast<std::uint16_t>((u & 2u) ? u + 1 : u - 1);
                std::memcpy(bytes.data() + i, &u, 2);
            }
        }
        const char* dt = keep(n) ? dtypeName(t.dtype) : "BF16";
        header[n] = {{"dtype", dt}, {"shape", t.shape}, {"data_offsets", {data.size(), data.size() + bytes.size()}}};
        data += bytes;
    }
    std::string h = header.dump();
    h.resize((h.size() + 7) / 8 * 8, ' ');
    const std::string out = ::testing::TempDir() + "/fathom-bf16-" + name + (coarser ? "-coarser" : "");
    std::filesystem::create_directories(out);
    std::ofstream f(out + "/model.safetensors", std::ios::binary);
    const std::uint64_t len = h.size();
    f.write(reinterpret_cast<const char*>(&len), 8);
    f.write(h.data(), static_cast<std::streamsize>(h.size()));
    f.write(data.data(), static_cast<std::streamsize>(data.size()));
    return out;
}

struct SmallModel {
    std::string name, dir;
    std::vector<std::int32_t> prompt, greedy;  // greedy: transformers' tokens (golden fixtures only)
    std::vector<float> margins;                // transformers' top-1 minus top-2 per greedy step
};

// How strongly a model amplifies bf16-sized rounding, measured on the CPU engine: the logits moved
// by dropping one more mantissa bit from every weight matrix, divided by 2.45 (that coarsening's
// rounding error is u/sqrt(2) against bf16's u/sqrt(12) for a grid step u). The random golden
// fixtures amplify strongly (V2's routed_scaling_factor 16, near-tie routing), so a fixed 1e-2
// would test the fixture, not the engine: each is held to max(1e-2, 2x its own sensitivity).
struct Sensitivity {
    double all = 0, worstRow = 0;
};
Sensitivity sensitivity(const ModelConfig& config, const WeightStore& bf16, const SmallModel& sm)
{
    const WeightStore coarse = WeightStore::openFolder(bf16Copy(sm.dir, sm.name, true));
    cpu::CpuModel a(config, bf16, 0), b(config, coarse, 0);
    KvCache ca = a.makeCache(128), cb = b.makeCache(128);
    const std::vector<float> la = a.forward(sm.prompt, 0, ca, false), lb = b.forward(sm.prompt, 0, cb, false);
    const std::size_t V = static_cast<std::size_t>(config.vocabSize);
    Sensitivity s;
    s.all = relL2(lb.data(), la.data(), la.size()) / 2.45;
    for (std::size_t r = 0; r < sm.prompt.size(); ++r)
        s.worstRow = std::max(s.worstRow, relL2(lb.data() + r * V, la.data() + r * V, V) / 2.45);
    return s;
}

std::vector<SmallModel> smallModels()
{
    std::vector<SmallModel> out;
    for (const char* name : {"v2lite", "v2", "v3"}) {
        SmallModel m;
        m.name = name;
        m.dir = std::string(FATHOM_TEST_DATA) + "/golden/" + name;
        std::ifstream in(m.dir + "/golden.json");
        const nlohmann::json j = nlohmann::json::parse(in);
        m.prompt = j.at("prompt_tokens").get<std::vector<std::int32_t>>();
        m.greedy = j.at("greedy_tokens").get<std::vector<std::int32_t>>();
        m.margins = j.at("greedy_margins").get<std::vector<float>>();
        out.push_back(m);
    }
    SmallModel tiny;  // the embedded trained model: a fixed prompt of ids
    tiny.name = "tiny-coder";
    tiny.dir = std::string(FATHOM_TEST_DATA) + "/../../resources/models/fathom-tiny-coder";
    for (int i = 0; i < 40; ++i)
        tiny.prompt.push_back(static_cast<std::int32_t>(2 + (i * 2654435761u) % 4000));
    out.push_back(tiny);
    return out;
}

}  // namespace

// Every golden fixture (V2-Lite, V2 with q_lora + group_limited_greedy, V3 with q_lora + noaux_tc
// sigmoid routing, 2 dense layers) and the tiny coder run on the generic kernels and match the CPU
// engine: prefill and decode-graph logits within 1e-2 relative L2, greedy tokens as transformers'
// wherever its margin is clear.
TEST(CudaModel, goldenFixturesAndTinyCoderMatchCpuEngine)
{
    SKIP_WITHOUT_GPU();
    for (const SmallModel& sm : smallModels()) {
        SCOPED_TRACE(sm.name);
        const ModelConfig config = ModelConfig::fromFile(sm.dir + "/config.json");
        std::string why;
        ASSERT_TRUE(cuda::CudaModel::supports(config, &why)) << sm.name << ": " << why;
        const WeightStore weights = WeightStore::openFolder(bf16Copy(sm.dir, sm.name));
        const std::size_t V = static_cast<std::size_t>(config.vocabSize);
        cuda::CudaModelOptions o;
        o.contextLength = 256;
        o.prefillChunk = 16;  // the prompts span several chunks: later ones attend over cached pages
        cuda::CudaModel gpu(config, weights, o);
        cpu::CpuModel cpuModel(config, weights, 0);
        KvCache cache = cpuModel.makeCache(256);
        const std::vector<float> ref = cpuModel.forward(sm.prompt, 0, cache, false);
        const std::vector<float> got = gpu.forward(sm.prompt, 0, false);
        ASSERT_EQ(got.size(), ref.size());
        double worst = 0;
        for (std::size_t r = 0; r < sm.prompt.size(); ++r)
            worst = std::max(worst, relL2(got.data() + r * V, ref.data() + r * V, V));
        const double all = relL2(got.data(), ref.data(), ref.size());
        const Sensitivity sens = sensitivity(config, weights, sm);
        const double bound = std::max(1e-2, 2 * sens.all), rowBound = std::max(2e-2, 2 * sens.worstRow);
        std::printf("%s: prefill logits relative L2 %.3g (worst row %.3g); bounds %.3g / %.3g from CPU sensitivity %.3g "
                    "(worst row %.3g)\n",
                    sm.name.c_str(), all, worst, bound, rowBound, sens.all, sens.worstRow);
        EXPECT_LT(all, bound);
        EXPECT_LT(worst, rowBound);

        double weightShift = 0;  // logits moved by rounding the fixture's weights to bf16 (0 for bf16 fixtures)
        {
            const WeightStore original = WeightStore::openFolder(sm.dir);
            cpu::CpuModel o0(config, original, 0);
            KvCache c0 = o0.makeCache(128);
            const std::vector<float> l0 = o0.forward(sm.prompt, 0, c0, false);
            weightShift = relL2(ref.data(), l0.data(), l0.size());
        }
        // Decode through the graph, both engines fed the same tokens (transformers' greedy ones for
        // the fixtures, the CPU's own for the tiny coder), comparing logits and argmax each step.
        std::int32_t next = argmax(got.data() + (sm.prompt.size() - 1) * V, V);  // the GPU's prediction
        const int steps = sm.greedy.empty() ? 8 : static_cast<int>(sm.greedy.size());
        double worstStep = 0;
        for (int i = 0; i < steps; ++i) {
            const std::int32_t in = sm.greedy.empty() ? next : sm.greedy[static_cast<std::size_t>(i)];
            // transformers ran the fixture's own fp32 / fp16 weights: its margin must also clear
            // the bf16 weight rounding (weightShift) and our bound, in logit units (logits ~unit rms).
            if (!sm.greedy.empty() && sm.margins[static_cast<std::size_t>(i)] > std::max(0.05, 4 * (bound + weightShift))) {
                EXPECT_EQ(next, in) << "greedy step " << i << " (transformers' margin " << sm.margins[static_cast<std::size_t>(i)] << ")";
            }
            if (i + 1 == steps)
                break;
            const std::int64_t at = static_cast<std::int64_t>(sm.prompt.size()) + i;
            const std::vector<float> r = cpuModel.forward({in}, at, cache, true);
            const std::vector<float> g = gpu.forward({in}, at, true);
            worstStep = std::max(worstStep, relL2(g.data(), r.data(), V));
            next = argmax(g.data(), V);
            if (margin(r.data(), V) > std::max(0.05, 4 * bound)) {
                EXPECT_EQ(next, argmax(r.data(), V)) << "decode step " << i;
            }
        }
        std::printf("%s: decode logits worst relative L2 %.3g over %d steps\n", sm.name.c_str(), worstStep, steps - 1);
        EXPECT_LT(worstStep, rowBound);

        const cuda::KernelPathCounts& k = gpu.kernelPaths();
        EXPECT_EQ(k.mlaDecodeFast, 0);
        EXPECT_GT(k.mlaDecodeGeneric, 0);
        EXPECT_EQ(k.qLoraLayers > 0, config.qLoraRank > 0);
        EXPECT_EQ(k.expertsPerToken > 0, config.hiddenSize % 128 != 0);
    }
}

// The bf16 copies the comparison above runs on, and the sensitivity probe (CPU only, so this runs
// without a GPU too): copies load and validate, a bf16 fixture's copy is the same model bit for bit,
// and the probe gives a finite, non-zero amplification for every model.
TEST(CudaModel, bf16CopiesOfFixturesLoadAndProbeSensitivity)
{
    for (const SmallModel& sm : smallModels()) {
        SCOPED_TRACE(sm.name);
        const ModelConfig config = ModelConfig::fromFile(sm.dir + "/config.json");
        const WeightStore original = WeightStore::openFolder(sm.dir);
        const WeightStore copy = WeightStore::openFolder(bf16Copy(sm.dir, sm.name));
        EXPECT_TRUE(copy.validateAgainst(config, sm.dir).empty());
        EXPECT_EQ(copy.get("model.layers.0.self_attn.kv_b_proj.weight").dtype, DType::BF16);
        cpu::CpuModel a(config, original, 0), b(config, copy, 0);
        KvCache ca = a.makeCache(128), cb = b.makeCache(128);
        const std::vector<float> la = a.forward(sm.prompt, 0, ca, false), lb = b.forward(sm.prompt, 0, cb, false);
        const double shift = relL2(lb.data(), la.data(), la.size());
        const Sensitivity sens = sensitivity(config, copy, sm);
        std::printf("%s: bf16 weights move the CPU logits by %.3g relative L2; sensitivity %.3g (worst row %.3g)\n",
                    sm.name.c_str(), shift, sens.all, sens.worstRow);
        if (original.get("model.layers.0.self_attn.kv_b_proj.weight").dtype == DType::BF16) {
            EXPECT_EQ(shift, 0.0);
        }
        EXPECT_TRUE(std::isfinite(sens.all) && sens.all > 0 && sens.all < 0.2);
    }
}
