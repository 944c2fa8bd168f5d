// What the engine's queue needs from a backend: run tokens through the model against the backend's
// own KV cache, and sample the next token. The CPU backend (cpu_runner.h) samples on the host with
// the engine's Sampler; the CUDA backend samples inside its decode graph and returns only the id.
#pragma once

#include "inference/engine/engine.h"

#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace fathom::inference {

// What one step samples with: the request's settings, how many tokens it has drawn before (the
// draw number keys the seeded generator, so a draw needs no state), and its penalty window.
struct StepSampling {
    SamplingParams params;
    std::uint64_t draw = 0;
    std::span<const std::int32_t> recent;  // the last params.penaltyLastN tokens, at most kMaxPenaltyWindow
};

class ModelRunner {
public:
    virtual ~ModelRunner() = default;
    virtual std::int64_t vocabSize() const = 0;
    virtual std::int64_t contextLength() const = 0;  // the most tokens the cache holds
    virtual std::string backendName() const = 0;      // "CPU (8 threads)"
    // The most prompt tokens one pass takes; the queue cuts longer prompts into such chunks (and
    // checks for cancellation between them).
    virtual std::int64_t prefillChunk() const { return 256; }
    // Token ids the KV cache currently holds, position 0 first.
    virtual const std::vector<std::int32_t>& cachedTokens() const = 0;
    // Runs tokens at positions startPos.. (startPos <= cachedTokens().size(); the cache is cut back
    // to startPos first) and returns fp32 logits [vocab] of the last one. Throws fathom::Error;
    // ErrorKind::Cancelled soon after *cancel turns true (long prefills stop between layers).
    virtual std::vector<float> forwardLast(const std::vector<std::int32_t>& tokens, std::int64_t startPos,
                                           const std::atomic<bool>* cancel) = 0;
    // One step of generation: runs tokens as forwardLast does and returns the next token sampled
    // from the last position's logits. Throws fathom::Error (UserInput) when those logits hold NaN
    // or infinity. This default samples forwardLast's logits on the host with the Sampler.
    virtual std::int32_t step(const std::vector<std::int32_t>& tokens, std::int64_t startPos, const StepSampling& sampling,
                              const std::atomic<bool>* cancel);
};

// The error a step raises for non-finite logits at `position`, the same on every backend.
[[noreturn]] void throwNonFiniteLogits(std::int64_t position);

// Streaming detokenizer: each call returns the text that is complete after this token (whole UTF-8
// characters only; a character split over tokens comes out with its last token).
class TokenTextDecoder {
public:
    virtual ~TokenTextDecoder() = default;
    virtual std::string next(std::int32_t token) = 0;
    // At the end of generation: bytes still held back (an unfinished character), repaired.
    virtual std::string flush() { return {}; }
};

}  // namespace fathom::inference
