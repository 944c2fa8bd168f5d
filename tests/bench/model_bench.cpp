// Whole-model CUDA bench on the DeepSeek-V2-Lite shape (tests/data/shapes/v2-lite.json), measured on
// the path the app uses: a full-size model with distinct random bf16 weights in every layer (31+ GB
// on the GPU, nothing shared, so no layer is served from cache), uploaded by the backend's loader,
// driven through the engine's queue (QueuedEngine over CudaRunner, one sampled step per token).
// Prints JSON: upload GB/s, prefill tok/s for a 512-token prompt, decode tok/s at 512 / 4k / 32k of
// context, greedy and sampled (temperature 0.7, top-p 0.95), each as % of the bf16 roofline.
#include "inference/cuda/cuda_device.h"
#include "inference/cuda/cuda_runner.h"
#include "inference/engine/queued_engine.h"
#include "inference/model/model_config.h"
#include "inference/model/weight_store.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

using namespace fathom::inference;

namespace {

// Weight bytes one decode token reads (bf16): attention, dense MLP or router + chosen + shared
// experts, lm_head (4.9 GB for V2-Lite; docs/PERFORMANCE.md).
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

// Waits for one request and keeps its stats.
class WaitSink final : public EventSink {
public:
    void onToken(std::uint64_t, const TokenEvent& e) override { last = e.token; }
    void onDone(std::uint64_t, const DoneStats& s) override { finish(s, {}); }
    void onError(std::uint64_t, const std::string& m) override { finish({}, m); }
    DoneStats wait()
    {
        std::unique_lock lock(m_mutex);
        m_cv.wait(lock, [&] { return m_done; });
        if (!m_error.empty())
            throw std::runtime_error(m_error);
        return m_stats;
    }
    std::int32_t last = -1;

private:
    void finish(const DoneStats& s, const std::string& e)
    {
        std::lock_guard lock(m_mutex);
        m_stats = s;
        m_error = e;
        m_done = true;
        m_cv.notify_all();
    }
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_done = false;
    DoneStats m_stats;
    std::string m_error;
};

DoneStats run(Engine& engine, const Request& r)
{
    WaitSink sink;
    engine.submit(r, &sink);
    return sink.wait();
}

// A prompt no earlier request shares a prefix with (the queue would reuse the cache otherwise).
std::vector<std::int32_t> prompt(std::size_t n, std::int64_t vocab, std::uint32_t salt)
{
    std::vector<std::int32_t> p(n);
    for (std::size_t i = 0; i < n; ++i)
        p[i] = static_cast<std::int32_t>((i * 7919 + 13 + salt * 104729ull) % static_cast<std::uint64_t>(vocab));
    return p;
}

struct Row {
    std::string name, shape;
    double tokS;
    bool decode;
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
        const WeightStore weights = WeightStore::synthetic(config, DType::BF16, 1, /*shareLayers=*/false);
        const double synthSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        auto runner = std::make_unique<CudaRunner>(config, weights, 32768 + 1024);
        const double uploadGb = double(weights.totalBytes()) / 1e9;
        QueuedEngine engine(std::move(runner), ModelInfo{}, {}, {});  // no EOS: every request runs to max_tokens
        std::fprintf(stderr, "model_bench: %s, %.2f GB of distinct weights (made in %.1f s)\n", dev.name.c_str(), uploadGb,
                     synthSeconds);

        const double roofline = 4.15e12 / bytesPerToken(config);
        std::vector<Row> rows;
        std::uint32_t salt = 1;
        auto request = [&](std::size_t promptLen, int maxTokens, float temperature, float topP) {
            Request r;
            r.promptTokens = prompt(promptLen, config.vocabSize, salt++);
            r.maxTokens = maxTokens;
            r.sampling.temperature = temperature;
            r.sampling.topP = topP;
            r.sampling.seed = 7;
            return r;
        };
        // Prefill: the first request warms cuBLAS and captures the decode graph; median of three.
        run(engine, request(512, 1, 0.f, 1.f));
        std::vector<double> pre;
        for (int i = 0; i < 3; ++i) {
            const DoneStats s = run(engine, request(512, 1, 0.f, 1.f));
            pre.push_back(512.0 / (s.timeToFirstTokenMs / 1e3));
        }
        std::sort(pre.begin(), pre.end());
        rows.push_back({"prefill", "512 tokens", pre[1], false});

        struct Case {
            const char* name;
            std::size_t ctx;
            int tokens;
            float temperature, topP;
        };
        for (const Case& c : {Case{"decode_greedy", 512, 512, 0.f, 1.f}, Case{"decode_t0.7_top_p0.95", 512, 512, 0.7f, 0.95f},
                              Case{"decode_greedy", 4096, 256, 0.f, 1.f}, Case{"decode_t0.7_top_p0.95", 4096, 256, 0.7f, 0.95f},
                              Case{"decode_greedy", 32768, 128, 0.f, 1.f}}) {
            const DoneStats s = run(engine, request(c.ctx, c.tokens, c.temperature, c.topP));
            rows.push_back({c.name, "ctx " + std::to_string(c.ctx), s.tokensPerSecond, true});
        }

        std::printf("{\"device\": \"%s\", \"weights_gb\": %.3f, \"distinct_layers\": true, \"path\": \"QueuedEngine + CudaRunner\", "
                    "\"roofline_tok_s\": %.0f, \"model\": [\n",
                    dev.name.c_str(), uploadGb, roofline);
        for (std::size_t i = 0; i < rows.size(); ++i)
            std::printf("  {\"name\": \"%s\", \"shape\": \"%s\", \"tok_s\": %.1f, \"pct_of_roofline\": %.1f}%s\n", rows[i].name.c_str(),
                        rows[i].shape.c_str(), rows[i].tokS, rows[i].decode ? 100.0 * rows[i].tokS / roofline : 0.0,
                        i + 1 < rows.size() ? "," : "");
        std::printf("]}\n");
        std::fprintf(stderr, "%-24s %-12s %12s %10s\n", "model", "shape", "tok/s", "%roofline");
        for (const Row& r : rows)
            std::fprintf(stderr, "%-24s %-12s %12.1f %10.1f\n", r.name.c_str(), r.shape.c_str(), r.tokS,
                         r.decode ? 100.0 * r.tokS / roofline : 0.0);
        std::fprintf(stderr, "roofline (%.2f GB/token at 4.15 TB/s): %.0f tok/s\n", bytesPerToken(config) / 1e9, roofline);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "model_bench: %s\n", e.what());
        return 2;
    }
    return 0;
}
