// Editor completion latency, as the code editor asks: a 1,500-token Python file, the cursor in a new
// function being typed, one FIM request (Priority::Interactive, greedy, 64 tokens, the app's
// stable-start prompt policy) after each typed chunk. For each request: submit -> first token,
// -> first text (what the editor would show as ghost text), -> done, and how much of the prompt the
// engine reused from its KV cache. Prints JSON.
//   fim_completion_bench [--model DIR] [--backend cpu|cuda|auto] [--threads N] [--file-tokens N]
//                        [--max-tokens N] [--sliding-start]
//   fim_completion_bench --random-weights --shape v2-lite [--backend cuda]   (tiny coder's tokenizer)
#include "app/services/fim_request_policy.h"
#include "inference/engine/cpu_runner.h"
#include "inference/engine/engine.h"
#include "inference/engine/queued_engine.h"
#include "inference/model/known_shapes.h"
#include "inference/model/model_config.h"
#include "inference/model/weight_store.h"
#include "inference/prompt/fim_prompt.h"
#include "inference/tokenizer/stream_decoder.h"
#include "inference/tokenizer/tokenizer.h"

#ifdef FATHOM_BENCH_CUDA_RUNNER
#include "inference/cuda/cuda_runner.h"
#endif

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

using namespace fathom;
using Clock = std::chrono::steady_clock;

namespace {

double ms(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

// One request's events, recorded on the engine's thread.
class TimingSink final : public inference::EventSink {
public:
    TimingSink(const inference::Tokenizer& tok, inference::Engine& engine) : m_decoder(tok, true), m_tok(tok), m_engine(engine) {}
    void onToken(std::uint64_t id, const inference::TokenEvent& e) override
    {
        std::lock_guard lock(m_mutex);
        const auto now = Clock::now();
        if (m_tokens++ == 0) firstToken = now;
        if (m_ended) return;
        if (m_tok.isSpecial(e.token)) {  // as the app: a special token ends the completion
            m_ended = true;
            m_engine.cancel(id);
            return;
        }
        const std::string piece = m_decoder.push(e.token);
        if (!piece.empty() && piece.find_first_not_of(" \t\n") != std::string::npos && !m_hasText) {
            m_hasText = true;
            firstText = now;
        }
        text += piece;
    }
    void onDone(std::uint64_t, const inference::DoneStats& s) override { finish(s, {}); }
    void onError(std::uint64_t, const std::string& message) override { finish({}, message); }
    void wait()
    {
        std::unique_lock lock(m_mutex);
        m_cv.wait(lock, [&] { return m_done; });
    }

    Clock::time_point firstToken, firstText, done;
    bool hasText() const { return m_hasText; }
    inference::DoneStats stats;
    std::string text, error;

private:
    void finish(const inference::DoneStats& s, const std::string& message)
    {
        std::lock_guard lock(m_mutex);
        done = Clock::now();
        stats = s;
        error = message;
        m_done = true;
        m_cv.notify_all();
    }
    inference::StreamDecoder m_decoder;
    const inference::Tokenizer& m_tok;
    inference::Engine& m_engine;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_done = false, m_ended = false, m_hasText = false;
    int m_tokens = 0;
};

// A Python module of about `tokens` tokens: varied functions, as a real file would have.
std::string makeSource(const inference::Tokenizer& tok, int tokens, int* lines)
{
    const char* verbs[] = {"scale", "filter", "merge", "count", "load", "parse", "render", "check"};
    std::string src = "\"\"\"Batch helpers for the report pipeline.\"\"\"\nimport math\nimport os\n\n\n";
    for (int i = 0; int(tok.encode(src, false).size()) < tokens; ++i) {
        const std::string v = verbs[i % 8], n = std::to_string(i);
        src += "def " + v + "_batch_" + n + "(items, factor=" + n + "):\n"
               "    \"\"\"" + v + " the values of a batch and keep the positive ones.\"\"\"\n"
               "    result = []\n"
               "    for item in items:\n"
               "        value = item.value * factor + " + std::to_string(i * 7 % 13) + "\n"
               "        if value > " + std::to_string(i % 5) + ":\n"
               "            result.append(math.floor(value))\n"
               "    return result\n\n\n";
    }
    *lines = int(std::count(src.begin(), src.end(), '\n'));
    return src;
}

std::string arg(int argc, char** argv, const char* name, const std::string& fallback)
{
    for (int i = 1; i + 1 < argc; ++i)
        if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
    return fallback;
}

bool flag(int argc, char** argv, const char* name)
{
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], name) == 0) return true;
    return false;
}

nlohmann::json summary(std::vector<double> v)
{
    if (v.empty()) return nullptr;
    std::sort(v.begin(), v.end());
    double sum = 0;
    for (double x : v) sum += x;
    return {{"median", v[v.size() / 2]}, {"mean", sum / double(v.size())}, {"max", v.back()}};
}

int run(int argc, char** argv)
{
    const std::string tiny = FATHOM_SOURCE_DIR "/resources/models/fathom-tiny-coder";
    const bool random = flag(argc, argv, "--random-weights");
    const std::string modelDir = arg(argc, argv, "--model", tiny);
    const std::string backendName = arg(argc, argv, "--backend", random ? "cpu" : "auto");
    const int threads = std::stoi(arg(argc, argv, "--threads", "0"));
    const int fileTokens = std::stoi(arg(argc, argv, "--file-tokens", "1500"));
    const int maxTokens = std::stoi(arg(argc, argv, "--max-tokens", "64"));
    const bool slidingStart = flag(argc, argv, "--sliding-start");
    inference::EngineOptions options;
    options.backend = backendName == "cuda" ? inference::Backend::Cuda
                      : backendName == "cpu" ? inference::Backend::Cpu
                                             : inference::Backend::Auto;
    options.threads = threads;
    options.contextLength = 4096;

    std::unique_ptr<inference::Tokenizer> tok = inference::Tokenizer::load(random ? tiny : modelDir);
    std::unique_ptr<inference::Engine> engine;
    std::string modelName = modelDir;
    if (!random) {
        engine = inference::Engine::load(modelDir, options);
    } else {
        if (arg(argc, argv, "--shape", "v2-lite") != "v2-lite") throw std::runtime_error("--shape must be v2-lite");
        const auto config = inference::deepseekV2LiteConfig();
        auto weights = inference::WeightStore::synthetic(config, inference::DType::BF16, 1, true);
        std::unique_ptr<inference::ModelRunner> runner;
        if (options.backend == inference::Backend::Cuda) {
#ifdef FATHOM_BENCH_CUDA_RUNNER
            runner = std::make_unique<inference::CudaRunner>(config, weights, options.contextLength);
#else
            throw std::runtime_error("--backend cuda: this build has no CUDA runner (build with FATHOM_CUDA=ON on a "
                                     "tree that has inference/cuda)");
#endif
        } else {
            runner = std::make_unique<inference::CpuRunner>(config, std::move(weights), threads, options.contextLength);
        }
        inference::ModelInfo info;
        info.name = "random-weights v2-lite (bf16)";
        engine = std::make_unique<inference::QueuedEngine>(std::move(runner), info, std::vector<std::int32_t>{100001},
                                                            inference::QueuedEngine::DecoderFactory{});
        modelName = info.name;
    }

    // The file, the cursor 60 % down at a blank line between functions, and the text typed there.
    int lines = 0;
    const std::string source = makeSource(*tok, fileTokens, &lines);
    std::size_t cursor = 0;
    for (int line = 0, target = lines * 6 / 10; cursor < source.size(); ++cursor) {
        if (source[cursor] == '\n' && ++line >= target && source.compare(cursor, 3, "\n\n\n") == 0) {
            cursor += 2;  // after the first blank line
            break;
        }
    }
    const std::vector<std::string> typing = {"def total_", "value(items", "):\n    ", "total = 0\n    ", "for item in ",
                                             "items:\n        ", "total += ", "item.value\n    ", "return "};
    std::string typed;
    nlohmann::json runs = nlohmann::json::array();
    std::vector<double> firstToken, firstText, complete, cachedShare;
    int promptTokens = 0;
    for (std::size_t i = 0; i < typing.size(); ++i) {
        typed += typing[i];
        const std::string prefix = source.substr(0, cursor) + typed;
        const std::string suffix = source.substr(cursor);
        app::FimPolicyInput in;
        in.prefix = prefix;
        in.suffix = suffix;
        inference::Request r;
        // --sliding-start: the FIM builder's plain trimming (drop the lines farthest from the cursor),
        // for comparison: its start moves with every typed token once the file exceeds the budget.
        r.promptTokens = slidingStart ? inference::buildFimPrompt(*tok, prefix, suffix).ids : app::buildFimPromptIds(*tok, in);
        r.maxTokens = maxTokens;
        r.priority = inference::Priority::Interactive;
        r.sampling.temperature = 0;
        promptTokens = int(r.promptTokens.size());
        TimingSink sink(*tok, *engine);
        const auto t0 = Clock::now();
        engine->submit(std::move(r), &sink);
        sink.wait();
        if (!sink.error.empty()) throw std::runtime_error(sink.error);
        nlohmann::json row = {{"typed", typing[i]},
                              {"prompt_tokens", sink.stats.promptTokens},
                              {"cached_prompt_tokens", sink.stats.cachedPromptTokens},
                              {"generated_tokens", sink.stats.generatedTokens},
                              {"first_token_ms", sink.stats.generatedTokens > 0 ? ms(t0, sink.firstToken) : -1.0},
                              {"first_text_ms", sink.hasText() ? ms(t0, sink.firstText) : -1.0},
                              {"complete_ms", ms(t0, sink.done)}};
        runs.push_back(row);
        if (i == 0) continue;  // the first request is cold (empty cache); the others are typing
        if (sink.stats.generatedTokens > 0) firstToken.push_back(ms(t0, sink.firstToken));
        if (sink.hasText()) firstText.push_back(ms(t0, sink.firstText));
        complete.push_back(ms(t0, sink.done));
        cachedShare.push_back(double(sink.stats.cachedPromptTokens) / double(sink.stats.promptTokens));
    }
    const nlohmann::json out = {
        {"bench", "fim_completion"},
        {"prompt_start", slidingStart ? "sliding" : "stable"},
        {"model", modelName},
        {"backend", engine->info().backendName},
        {"file_tokens", int(tok->encode(source, false).size())},
        {"prompt_tokens_last", promptTokens},
        {"max_tokens", maxTokens},
        {"requests", runs.size()},
        {"cold", runs.front()},
        {"typing", {{"first_token_ms", summary(firstToken)},
                    {"first_text_ms", summary(firstText)},
                    {"complete_ms", summary(complete)},
                    {"cached_prompt_share", summary(cachedShare)}}},
        {"runs", runs},
        {"note", "first_text_ms = first non-blank decoded text (the editor's first ghost text, minus the Qt "
                 "signal hop); the app adds its debounce (250 ms default) before the request"},
    };
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv)
{
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fim_completion_bench: %s\n", e.what());
        return 1;
    }
}
