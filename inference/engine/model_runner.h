// What the engine's scheduler needs from a backend: run tokens through the model against its own KV
// cache and return the last row of logits. The CPU backend implements it (cpu_runner.h); a CUDA one
// can slot in behind the same queue.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace fathom::inference {

class ModelRunner {
public:
    virtual ~ModelRunner() = default;
    virtual std::int64_t vocabSize() const = 0;
    virtual std::int64_t contextLength() const = 0;  // the most tokens the cache holds
    virtual std::string backendName() const = 0;      // "CPU (8 threads)"
    // Token ids the KV cache currently holds, position 0 first.
    virtual const std::vector<std::int32_t>& cachedTokens() const = 0;
    // Runs tokens at positions startPos.. (startPos <= cachedTokens().size(); the cache is cut back
    // to startPos first) and returns fp32 logits [vocab] of the last one. Throws fathom::Error;
    // ErrorKind::Cancelled soon after *cancel turns true (long prefills stop between layers).
    virtual std::vector<float> forwardLast(const std::vector<std::int32_t>& tokens, std::int64_t startPos,
                                           const std::atomic<bool>* cancel) = 0;
};

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
