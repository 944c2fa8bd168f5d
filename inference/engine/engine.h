// inference::Engine: one loaded model, one worker thread, a queue of requests. submit() returns at
// once; tokens, completion and errors come back through the request's EventSink on the worker
// thread (the app's EngineBridge turns them into queued Qt signals). Qt-free.
#pragma once

#include "inference/model/quantize.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace fathom::inference {

enum class Backend { Auto, Cpu, Cuda };
enum class Priority { Interactive, Normal };  // Interactive (FIM) is scheduled before Normal (chat)
enum class FinishReason { Eos, Length, Stop, Cancelled, Error };

// One request's sampling; the rule is inference/sampling/sampler.h's, on the CPU and the GPU alike.
struct SamplingParams {
    float temperature = 0.7f;  // 0 = greedy
    int topK = 0;              // 0 = off
    float topP = 1.0f;         // 1 = off
    float minP = 0.0f;         // 0 = off
    float repetitionPenalty = 1.0f;  // 1 = off; HF's rule, once per distinct recent token
    float presencePenalty = 0.0f;    // 0 = off; subtracted once per distinct recent token (OpenAI's)
    float frequencyPenalty = 0.0f;   // 0 = off; subtracted once per occurrence (OpenAI's)
    int penaltyLastN = 256;          // the penalties look at this many most recent tokens (prompt included)
    std::uint64_t seed = 0;    // same seed + same prompt -> same tokens
};
// The GPU sampler keeps the penalty window in a fixed device buffer of this many tokens.
inline constexpr int kMaxPenaltyWindow = 256;

struct EngineOptions {
    Backend backend = Backend::Auto;
    int threads = 0;             // CPU threads; 0 = hardware concurrency
    std::int64_t contextLength = 4096;
    std::size_t gpuMemoryLimitBytes = 0;  // the GPU memory plan's cap (--gpu-memory-limit); 0 = what is free
    WeightFormat weights = WeightFormat::AsStored;  // --weights: quantize a checkpoint while it loads
};

struct Request {
    std::vector<std::int32_t> promptTokens;  // used exactly as given
    SamplingParams sampling;
    int maxTokens = 512;
    std::vector<std::string> stopStrings;    // generation ends before any of these
    Priority priority = Priority::Normal;
};

struct TokenEvent {
    std::int32_t token = 0;
    std::string text;  // UTF-8, only whole characters (streaming detokenizer), may be empty
};

struct DoneStats {
    FinishReason reason = FinishReason::Eos;
    std::int64_t promptTokens = 0;
    std::int64_t cachedPromptTokens = 0;  // prefix reused from the KV cache
    std::int64_t generatedTokens = 0;
    double timeToFirstTokenMs = 0;
    double tokensPerSecond = 0;  // decode only
};

// Called on the engine's worker thread; implementations must not block for long.
class EventSink {
public:
    virtual ~EventSink() = default;
    virtual void onToken(std::uint64_t requestId, const TokenEvent& event) = 0;
    virtual void onDone(std::uint64_t requestId, const DoneStats& stats) = 0;
    virtual void onError(std::uint64_t requestId, const std::string& message) = 0;
};

struct ModelInfo {
    std::string folder;
    std::string name;          // folder name or config's _name_or_path
    std::string backendName;   // "CPU (8 threads)" or the CUDA device name
    std::int64_t contextLength = 0;
    std::int64_t vocabSize = 0;
    std::size_t weightBytes = 0;  // the weights the backends read (as stored, or after --weights quantized them)
    std::string quantization;     // "BF16", "Q4_K_M"-like summary of the large matrices' types (weightsSummary)
    double backendSeconds = 0;    // building the backend: the upload to the GPU, or the CPU's setup
};

// Progress of load(): fraction in [0,1]; return false to cancel (load then throws Cancelled).
using LoadProgress = std::function<bool(double fraction, const std::string& stage)>;

class Engine {
public:
    virtual ~Engine() = default;

    // Validates and loads a hub-format model folder or a .gguf file. Throws fathom::Error naming file
    // and problem.
    static std::unique_ptr<Engine> load(const std::string& modelDir, const EngineOptions& options,
                                        const LoadProgress& progress = {});

    virtual const ModelInfo& info() const = 0;
    // Queues a request; the sink must outlive it. Returns its id (never 0).
    virtual std::uint64_t submit(Request request, EventSink* sink) = 0;
    // Stops the request within one decode step; its sink gets onDone(Cancelled). Unknown ids: no-op.
    virtual void cancel(std::uint64_t requestId) = 0;
};

}  // namespace fathom::inference
