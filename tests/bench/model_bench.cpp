// Whole-model CUDA bench on the DeepSeek-V2-Lite shape (tests/data/shapes/v2-lite.json) with random
// bf16 weights (layers shared, so ~6 GB on the GPU while every token streams a full model's bytes):
// weight upload GB/s, prefill tok/s for a 512-token prompt, decode tok/s at batch 1 (graph replay,
// and with the sampled id read back every step as generation does), as % of the bf16 roofline.
#include "inference/cuda/cuda_device.h"
#include "inference/cuda/cuda_model.h"
#include "inference/model/model_config.h"
#include "inference/model/weight_store.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

using namespace fathom::inference;

namespace {

// Weight bytes one decode token reads (bf16): attention, dense MLP or router + chosen + shared
// experts, lm_head (docs/PERFORMANCE.md, 'Rooflines': 4.9 GB for V2-Lite).
double bytesPerToken(const ModelConfig& c)
{
    const double H = double(c.hiddenSize), heads = double(c.numHeads);
    const double attn = heads * c.qkHeadDim() * H + (c.kvLoraRank + c.qkRopeHeadDim) * H +
                        heads * (c.qkNopeHeadDim + c.vHeadDim) * c.kvLoraRank + H * heads * c.vHeadDim;
    double total = double(c.vocabSize) * H;
    for (std::int64_t l = 0; l < c.numLayers; ++l)
        total += attn + (c.isMoeLayer(l) ? c.nRoutedExperts * H + (c.numExpertsPerTok + c.nSharedExperts) * 3.0 * H * c.moeIntermediateSize
                                         : 3.0 * H * c.intermediateSize);
    return total * 2;
}

struct Row {
    std::string name, shape;
    double tokS;
};

}  // namespace

int main()
{
    const cuda::DeviceInfo& dev = cuda::probeDevice();
    if (!dev.usable) {
        std::printf("{\"skipped\": \"%s\"}\n", dev.reason.c_str());
        return 0;
    }
    try {
        const ModelConfig config = ModelConfig::fromFile(std::string(FATHOM_TEST_DATA) + "/shapes/v2-lite.json");
        auto t0 = std::chrono::steady_clock::now();
        const WeightStore weights = WeightStore::synthetic(config, DType::BF16, 1, true);
        const double synthSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        cuda::CudaModelOptions opt;
        opt.contextLength = 32768 + 128;
        opt.prefillChunk = 512;
        cuda::CudaModel model(config, weights, opt);
        const cuda::LoadStats& load = model.loadStats();
        std::fprintf(stderr, "model_bench: %s, weights %.2f GB uploaded at %.1f GB/s (synthetic weights made in %.1f s)\n",
                     dev.name.c_str(), load.bytes / 1e9, load.gbPerSecond(), synthSeconds);

        const double roofline = 4.15e12 / bytesPerToken(config);
        std::vector<Row> rows;
        std::vector<std::int32_t> prompt(512);
        for (std::size_t i = 0; i < prompt.size(); ++i)
            prompt[i] = static_cast<std::int32_t>((i * 7919 + 13) % static_cast<std::size_t>(config.vocabSize));

        // Prefill: first run warms cuBLAS up; the median of three is reported.
        model.forward(prompt, 0, true);
        std::vector<double> pre;
        for (int r = 0; r < 3; ++r) {
            const auto t = std::chrono::steady_clock::now();
            model.forward(prompt, 0, true);
            pre.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count());
        }
        std::sort(pre.begin(), pre.end());
        rows.push_back({"prefill", "512 tokens", prompt.size() / pre[1]});

        // Decode after the 512-token prompt: device-timed graph replays, then the generation loop.
        const int steps = 128;
        rows.push_back({"decode_graph", "ctx 512", steps / model.timeDecodeSteps(512, steps)});
        const auto t = std::chrono::steady_clock::now();
        const std::vector<std::int32_t> ids = model.generate(prompt.back(), 512, steps, cuda::GpuSampling{});
        rows.push_back({"decode_generate", "ctx 512", steps / std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count()});
        rows.push_back({"decode_graph", "ctx 4096", steps / model.timeDecodeSteps(4096, steps)});
        rows.push_back({"decode_graph", "ctx 32768", 32 / model.timeDecodeSteps(32768, 32)});

        std::printf("{\"device\": \"%s\", \"weights_gb\": %.3f, \"load_gb_s\": %.2f, \"roofline_tok_s\": %.0f, \"model\": [\n",
                    dev.name.c_str(), load.bytes / 1e9, load.gbPerSecond(), roofline);
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const bool isDecode = rows[i].name.rfind("decode", 0) == 0;
            std::printf("  {\"name\": \"%s\", \"shape\": \"%s\", \"tok_s\": %.1f, \"pct_of_roofline\": %.1f}%s\n",
                        rows[i].name.c_str(), rows[i].shape.c_str(), rows[i].tokS, isDecode ? 100.0 * rows[i].tokS / roofline : 0.0,
                        i + 1 < rows.size() ? "," : "");
        }
        std::printf("], \"last_ids\": [%d, %d]}\n", ids.empty() ? -1 : ids[0], ids.empty() ? -1 : ids.back());
        std::fprintf(stderr, "%-18s %-12s %12s %10s\n", "model", "shape", "tok/s", "%roofline");
        for (const Row& r : rows)
            std::fprintf(stderr, "%-18s %-12s %12.1f %10.1f\n", r.name.c_str(), r.shape.c_str(), r.tokS,
                         r.name.rfind("decode", 0) == 0 ? 100.0 * r.tokS / roofline : 0.0);
        std::fprintf(stderr, "roofline (4.9 GB/token at 4.15 TB/s): %.0f tok/s\n", roofline);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "model_bench: %s\n", e.what());
        return 2;
    }
    return 0;
}
