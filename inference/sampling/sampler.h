// Picks the next token from a row of logits: repetition penalty, then greedy (temperature 0) or
// temperature -> top-k -> top-p -> min-p -> a draw from a seeded generator, so the same seed, prompt
// and model give the same tokens on every run and platform.
#pragma once

#include "inference/engine/engine.h"

#include <cstdint>
#include <vector>

namespace fathom::inference {

class Sampler final {
public:
    explicit Sampler(const SamplingParams& params);

    // logits: fp32 [vocab]; history: the tokens the repetition penalty applies to (prompt and
    // generated so far). Returns a token id in [0, vocab).
    std::int32_t sample(const float* logits, std::int64_t vocab, const std::vector<std::int32_t>& history);

private:
    double nextUniform();  // [0, 1), from the seeded xoshiro256** state

    SamplingParams m_params;
    std::uint64_t m_state[4];
    std::vector<float> m_logits;
    struct Candidate {
        std::int32_t id;
        float value;
    };
    std::vector<Candidate> m_candidates;
};

}  // namespace fathom::inference
