// `fathom-cli bench --random-weights`: CPU prefill and decode speed on a model shape with synthetic
// weights (layers shared, so V2-Lite fits in ~2 GB of bf16 while every token still streams a full
// model's bytes). Prints one JSON object; decode GB/s is measured against the bytes of weights a
// token must read (docs/PERFORMANCE.md, 'Rooflines'), so it reads as a fraction of memory bandwidth.
#include "app/cli/commands.h"

#include "app/cli/cli_args.h"
#include "inference/cpu/cpu_model.h"
#include "inference/cpu/matmul.h"
#include "inference/model/known_shapes.h"
#include "base/error.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

namespace fathom::cli {

namespace {


// Weight elements one decode token reads: every attention projection, the dense MLPs, router +
// chosen + shared experts of each MoE layer, and lm_head.
double activeParams(const inference::ModelConfig& c)
{
    const double H = double(c.hiddenSize), heads = double(c.numHeads);
    double attn = c.qLoraRank == 0 ? heads * c.qkHeadDim() * H
                                   : c.qLoraRank * H + heads * c.qkHeadDim() * c.qLoraRank;
    attn += (c.kvLoraRank + c.qkRopeHeadDim) * H + heads * (c.qkNopeHeadDim + c.vHeadDim) * c.kvLoraRank +
            H * heads * c.vHeadDim;
    double total = double(c.vocabSize) * H;
    for (std::int64_t l = 0; l < c.numLayers; ++l) {
        total += attn;
        if (c.isMoeLayer(l))
            total += c.nRoutedExperts * H + (c.numExpertsPerTok + c.nSharedExperts) * 3.0 * H * c.moeIntermediateSize;
        else
            total += 3.0 * H * c.intermediateSize;
    }
    return total;
}

double secondsSince(std::chrono::steady_clock::time_point t)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Repeats matmul of x [n, w.cols] by one weight for about a second; returns seconds per call.
double timeMatmul(inference::cpu::ThreadPool& pool, const inference::TensorView& view, std::int64_t n)
{
    const inference::cpu::WeightMatrix w = inference::cpu::WeightMatrix::of(view);
    std::vector<float> x(static_cast<std::size_t>(n * w.cols), 0.01f), y(static_cast<std::size_t>(n * w.rows));
    inference::cpu::matmul(pool, x.data(), n, w, y.data());  // warm-up
    const auto t = std::chrono::steady_clock::now();
    int reps = 0;
    do {
        inference::cpu::matmul(pool, x.data(), n, w, y.data());
        ++reps;
    } while (secondsSince(t) < 1.0);
    return secondsSince(t) / reps;
}

// The 1-minute load average (Linux), so a number taken on a busy machine says so; -1 elsewhere.
double loadAverage()
{
    double load = -1;
    if (FILE* f = std::fopen("/proc/loadavg", "r")) {
        if (std::fscanf(f, "%lf", &load) != 1)
            load = -1;
        std::fclose(f);
    }
    return load;
}

}  // namespace

int runBench(int argc, char** argv)
{
    const CliArgs args(argc, argv, 2, {"random-weights"},
                       {"config", "shape", "prompt-tokens", "decode-tokens", "threads", "dtype", "seed"});
    if (!args.has("random-weights"))
        throwUserError("bench needs --random-weights (benchmarks on real checkpoints are not implemented yet)");
    if (args.has("config") && args.has("shape"))
        throwUserError("give --config FILE or --shape NAME, not both");
    std::string shape = args.get("shape", "v2-lite");
    inference::ModelConfig config;
    if (args.has("config")) {
        config = inference::ModelConfig::fromFile(args.get("config"));
        shape = args.get("config");
    } else if (shape == "v2-lite") {
        config = inference::deepseekV2LiteConfig();
    } else {
        throwUserError("--shape must be v2-lite (or pass --config FILE), got '" + shape + "'");
    }
    const std::string dtypeName = args.get("dtype", "bf16");
    const inference::DType dtype = dtypeName == "bf16" ? inference::DType::BF16
                                   : dtypeName == "f16" ? inference::DType::F16
                                   : dtypeName == "f32" ? inference::DType::F32
                                                        : (throwUserError("--dtype must be bf16, f16 or f32"), inference::DType::F32);
    const std::int64_t promptTokens = args.getInt("prompt-tokens", 512);
    const std::int64_t decodeTokens = args.getInt("decode-tokens", 32);
    if (promptTokens < 1 || decodeTokens < 1)
        throwUserError("--prompt-tokens and --decode-tokens must be at least 1");

    auto t = std::chrono::steady_clock::now();
    const inference::WeightStore weights =
        inference::WeightStore::synthetic(config, dtype, static_cast<std::uint64_t>(args.getInt("seed", 1)), true);
    const double setupSeconds = secondsSince(t);
    inference::cpu::CpuModel model(config, weights, static_cast<int>(args.getInt("threads", 0)));
    inference::KvCache cache = model.makeCache(promptTokens + decodeTokens);

    std::mt19937 rng(7);
    std::uniform_int_distribution<std::int32_t> pick(0, static_cast<std::int32_t>(config.vocabSize - 1));
    std::vector<std::int32_t> prompt(static_cast<std::size_t>(promptTokens));
    for (std::int32_t& id : prompt)
        id = pick(rng);
    t = std::chrono::steady_clock::now();
    std::vector<float> logits = model.forward(prompt, 0, cache, true);
    const double prefillSeconds = secondsSince(t);

    t = std::chrono::steady_clock::now();
    for (std::int64_t i = 0; i < decodeTokens; ++i) {
        const auto next = static_cast<std::int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
        logits = model.forward({next}, cache.size(), cache, true);
    }
    const double decodeSeconds = secondsSince(t);

    // The two kernels behind those numbers, on the dense MLP's up projection [intermediate, hidden]:
    // decode's GEMV (weight bytes streamed per second) and prefill's GEMM (FLOP/s).
    inference::cpu::ThreadPool pool(model.threads());
    const inference::TensorView& up = weights.get("model.layers.0.mlp.up_proj.weight");
    const double gemvSeconds = timeMatmul(pool, up, 1);
    const double gemmSeconds = timeMatmul(pool, up, promptTokens);

    const double bytesPerToken = activeParams(config) * double(inference::dtypeSize(dtype));
    const double decodeRate = double(decodeTokens) / decodeSeconds;
    nlohmann::json out = {
        {"backend", "cpu"},
        {"shape", shape},
        {"dtype", dtypeName},
        {"threads", model.threads()},
        {"hardware_threads", std::thread::hardware_concurrency()},
        {"load_average_1m", loadAverage()},
        {"prompt_tokens", promptTokens},
        {"decode_tokens", decodeTokens},
        {"prefill_tok_s", double(promptTokens) / prefillSeconds},
        {"decode_tok_s", decodeRate},
        {"decode_weight_gb_per_token", bytesPerToken / 1e9},
        {"decode_weight_gb_s", bytesPerToken * decodeRate / 1e9},
        {"gemv_weight_gb_s", double(up.nbytes) / gemvSeconds / 1e9},
        {"gemm_gflop_s", 2.0 * double(up.numel()) * double(promptTokens) / gemmSeconds / 1e9},
        {"prefill_seconds", prefillSeconds},
        {"decode_seconds", decodeSeconds},
        {"weights_setup_seconds", setupSeconds},
    };
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
}

}  // namespace fathom::cli
