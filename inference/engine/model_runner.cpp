// ModelRunner's host-sampled step: the CPU backend's path, and any backend that only gives logits.
#include "inference/engine/model_runner.h"

#include "base/error.h"
#include "inference/sampling/sampler.h"

namespace fathom::inference {

void throwNonFiniteLogits(std::int64_t position)
{
    throwUserError("the model produced NaN or infinite logits at position " + std::to_string(position) +
                   "; the weights may be damaged");
}

std::int32_t ModelRunner::step(const std::vector<std::int32_t>& tokens, std::int64_t startPos, const StepSampling& sampling,
                               const std::atomic<bool>* cancel)
{
    const std::vector<float> logits = forwardLast(tokens, startPos, cancel);
    Sampler sampler(sampling.params);
    const std::int32_t token = sampler.sample(logits.data(), static_cast<std::int64_t>(logits.size()), sampling.recent, sampling.draw);
    if (token < 0)
        throwNonFiniteLogits(startPos + static_cast<std::int64_t>(tokens.size()) - 1);
    return token;
}

}  // namespace fathom::inference
