// `fathom-cli generate`: a raw continuation through the Engine (no chat template). With --ids only
// the new token ids are printed, comma-separated on one line; otherwise the new text streams.
#include "app/cli/commands.h"

#include "app/cli/model_option.h"
#include "inference/model/gguf_file.h"
#include "inference/tokenizer/tokenizer.h"
#include "base/error.h"
#include "base/path_check.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <mutex>

namespace fathom::cli {

namespace {

// Prints events as they come (on the engine's thread) and lets main wait for the end.
class PrintSink final : public inference::EventSink {
public:
    explicit PrintSink(bool ids) : m_ids(ids) {}
    void onToken(std::uint64_t, const inference::TokenEvent& e) override
    {
        if (m_ids)
            std::printf("%s%d", m_count++ ? "," : "", e.token);
        else
            std::fputs(e.text.c_str(), stdout);
        std::fflush(stdout);
    }
    void onDone(std::uint64_t, const inference::DoneStats& stats) override
    {
        m_stats = stats;
        finish({});
    }
    const inference::DoneStats& stats() const { return m_stats; }
    void onError(std::uint64_t, const std::string& message) override { finish(message.empty() ? "failed" : message); }
    std::string wait()
    {
        std::unique_lock lock(m_mutex);
        m_cv.wait(lock, [&] { return m_done; });
        return m_error;
    }

private:
    void finish(const std::string& error)
    {
        std::lock_guard lock(m_mutex);
        m_error = error;
        m_done = true;
        m_cv.notify_all();
    }
    bool m_ids;
    int m_count = 0;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_done = false;
    std::string m_error;
    inference::DoneStats m_stats;
};

// --stats: what a user needs to check the speed claims on their own model, as one JSON line on
// stderr (load = building the backend: the upload to the GPU, or the CPU's setup).
void printStats(const inference::ModelInfo& info, double loadSeconds, const inference::DoneStats& d)
{
    const double prefillS = d.timeToFirstTokenMs / 1e3;
    const std::int64_t computed = d.promptTokens - d.cachedPromptTokens;
    std::fprintf(stderr,
                 "{\"backend\": \"%s\", \"weights\": \"%s\", \"weights_gb\": %.3f, \"load_s\": %.3f, \"upload_s\": %.3f, \"upload_gb_s\": %.2f, "
                 "\"prompt_tokens\": %lld, \"cached_prompt_tokens\": %lld, \"prefill_tok_s\": %.1f, "
                 "\"generated_tokens\": %lld, \"decode_tok_s\": %.1f}\n",
                 info.backendName.c_str(), info.quantization.c_str(), info.weightBytes / 1e9, loadSeconds, info.backendSeconds,
                 info.backendSeconds > 0 ? info.weightBytes / info.backendSeconds / 1e9 : 0.0, static_cast<long long>(d.promptTokens),
                 static_cast<long long>(d.cachedPromptTokens), prefillS > 0 ? computed / prefillS : 0.0,
                 static_cast<long long>(d.generatedTokens), d.tokensPerSecond);
}

}  // namespace

int runGenerate(int argc, char** argv)
{
    const CliArgs args(argc, argv, 2, {"ids", "stats"},
                       {"model", "prompt", "tokens", "max-tokens", "temperature", "top-p", "top-k", "min-p",
                        "repetition-penalty", "presence-penalty", "frequency-penalty", "seed", "backend", "threads",
                        "context", "tokens-file", "gpu-memory-limit", "weights"});
    inference::EngineOptions options;
    options.backend = backend(args);
    options.threads = threadsOption(args);
    options.contextLength = args.getInt("context", 4096, 1, kMaxContextOption);
    options.gpuMemoryLimitBytes = gpuMemoryLimitOption(args);
    options.weights = inference::parseWeightFormat(args.get("weights", "bf16"));
    const std::string dir = modelDir(args);
    const bool hasIds = args.has("tokens") || args.has("tokens-file");
    if (args.has("prompt") == hasIds)
        throwUserError("give exactly one of --prompt TEXT, --tokens 1,2,3 or --tokens-file FILE");
    // A .gguf carries its tokenizer in its metadata (Tokenizer::load says so if it does not).
    const bool hasTokenizer = inference::isGgufPath(dir) || pathExists(dir + "/tokenizer.json");
    if (!hasTokenizer && (args.has("prompt") || !args.has("ids")))
        throwUserError(dir + ": no tokenizer.json, so text cannot be " +
                       (args.has("prompt") ? "encoded; pass --tokens" : "printed; add --ids"));

    inference::Request request;
    if (args.has("prompt")) {
        // Raw continuation: BOS only when tokenizer_config.json asks for it (docs/ARCHITECTURE.md,
        // 'Command-line contract').
        const auto tokenizer = inference::Tokenizer::load(dir);
        if (tokenizer->addBosToken() && tokenizer->bosId())
            request.promptTokens.push_back(*tokenizer->bosId());
        const std::vector<std::int32_t> ids = tokenizer->encode(args.get("prompt"));
        request.promptTokens.insert(request.promptTokens.end(), ids.begin(), ids.end());
        if (request.promptTokens.empty())
            throwUserError("--prompt is empty");
    } else {
        request.promptTokens = args.getPromptIds(/*required=*/true);
    }
    request.maxTokens = static_cast<int>(args.getInt("max-tokens", 128, 1, kInt32Max));
    request.sampling.temperature = static_cast<float>(args.getDouble("temperature", 0.7));
    request.sampling.topP = static_cast<float>(args.getDouble("top-p", 1.0));
    request.sampling.topK = static_cast<int>(args.getInt("top-k", 0, 0, kInt32Max));
    request.sampling.minP = static_cast<float>(args.getDouble("min-p", 0.0));
    request.sampling.repetitionPenalty = static_cast<float>(args.getDouble("repetition-penalty", 1.0));
    request.sampling.presencePenalty = static_cast<float>(args.getDouble("presence-penalty", 0.0));
    request.sampling.frequencyPenalty = static_cast<float>(args.getDouble("frequency-penalty", 0.0));
    request.sampling.seed = static_cast<std::uint64_t>(args.getInt("seed", 0, 0, INT64_MAX));
    if (request.sampling.temperature < 0 || request.sampling.topP <= 0 || request.sampling.topP > 1 ||
        request.sampling.topK < 0 || request.sampling.minP < 0 || request.sampling.minP > 1 ||
        request.sampling.repetitionPenalty <= 0)
        throwUserError("sampling options out of range: --temperature >= 0, 0 < --top-p <= 1, --top-k >= 0, "
                       "0 <= --min-p <= 1, --repetition-penalty > 0");

    const auto loadStart = std::chrono::steady_clock::now();
    const auto engine = inference::Engine::load(dir, options);
    const double loadSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - loadStart).count();
    PrintSink sink(args.has("ids"));
    engine->submit(request, &sink);
    const std::string error = sink.wait();
    if (args.has("ids"))
        std::printf("\n");
    if (!error.empty())
        throwUserError(error);
    if (args.has("stats"))
        printStats(engine->info(), loadSeconds, sink.stats());
    return 0;
}

}  // namespace fathom::cli
