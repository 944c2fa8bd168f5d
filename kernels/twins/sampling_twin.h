// CPU twin of kernels/sampling: the same greedy / temperature / top-k / top-p rule with the same
// Philox draw and fixed-point weights, written with sorts instead of radix selects.
#pragma once

#include <cstdint>

namespace fathom::kernels::twins {

struct SamplingTwinConfig {
    float temperature = 0.f;  // <= 0: greedy
    int top_k = 0;            // <= 0 or >= vocab: off
    float top_p = 1.f;        // >= 1: off
    std::uint64_t seed = 0;
    std::uint64_t step = 0;
};

// Where a token sits in the twin's draw: the draw u and the token's slice [lo, hi) of the kept mass
// in id order, all as fractions of the kept mass; lo = hi = -1 when the token was filtered out.
struct SamplingTwinTrace {
    double u = 0.0;
    double lo = -1.0;
    double hi = -1.0;
};

// The token chosen for row `row` of logits fp32 [.., vocab] (`logits` points at that row).
// When `trace` is set, fills it for token `trace_id`.
int samplingTwin(const float* logits, int vocab, const SamplingTwinConfig& c, int row, int trace_id = -1,
                 SamplingTwinTrace* trace = nullptr);

// Probability of each token after temperature, top-k and top-p (0 for filtered tokens), fp64 [vocab].
void samplingTwinProbs(const float* logits, int vocab, const SamplingTwinConfig& c, double* probs);

}  // namespace fathom::kernels::twins
