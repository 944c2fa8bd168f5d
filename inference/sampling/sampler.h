// Picks the next token from a row of logits. This is the sampling rule of the whole engine: the CPU
// backend runs it here, and the GPU kernel (kernels/sampling.cu) is tested against it token for token.
//   1. penalties over the recent window: repetition (HF: v / r if v > 0 else v * r), then
//      v -= frequency * count + presence, once per distinct token;
//   2. temperature 0: greedy argmax (the lowest id wins a tie);
//   3. z = v / temperature, M = max z, weight w = fixed-point(exp(z - M)) (2^40 = the best token),
//      integer sums so the order of addition never changes a result;
//   4. top-k keeps z >= the k-th largest z (ties included); top-p then keeps z >= the largest
//      threshold whose kept weight reaches top_p of the top-k mass (ties included); min-p keeps
//      w >= min_p * 2^40;
//   5. draw d of the request: u = Philox(seed, d), target = floor(u * S / 2^32) over the kept
//      weight S, and the token is the first id (ascending) whose running weight passes target.
// A draw is a pure function of (logits, recent tokens, settings, d): no state between calls.
#pragma once

#include "inference/engine/engine.h"

#include <cstdint>
#include <span>
#include <vector>

namespace fathom::inference {

class Sampler final {
public:
    explicit Sampler(const SamplingParams& params);

    // logits: fp32 [vocab]; recent: the request's last penaltyLastN tokens (prompt and generated);
    // draw: how many tokens this request has sampled before. Returns a token id in [0, vocab), or
    // -1 when a logit is NaN or infinite.
    std::int32_t sample(const float* logits, std::int64_t vocab, std::span<const std::int32_t> recent, std::uint64_t draw);

    const SamplingParams& params() const { return m_params; }

private:
    SamplingParams m_params;
    std::vector<float> m_z;
    std::vector<std::uint32_t> m_keys, m_sorted;
    std::vector<std::uint64_t> m_w;
};

// The fixed-point weight of probability ratio e = exp(z - M) in (0, 1] (2^40 = 1).
std::uint64_t samplingWeight(float e);

}  // namespace fathom::inference
