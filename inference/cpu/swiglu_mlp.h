// The SwiGLU MLP every DeepSeek FFN uses (dense layers, shared experts, each routed expert):
// down( silu(gate(x)) * up(x) ).
#pragma once

#include "inference/cpu/thread_pool.h"
#include "inference/cpu/weight_matrix.h"

#include <cstdint>
#include <vector>

namespace fathom::inference::cpu {

struct SwigluWeights {
    WeightMatrix gate;  // [inter, hidden]
    WeightMatrix up;    // [inter, hidden]
    WeightMatrix down;  // [hidden, inter]
};

// x: fp32 [n, hidden] -> out: fp32 [n, hidden] (overwritten). scratch is resized as needed.
void swigluMlp(ThreadPool& pool, const float* x, std::int64_t n, const SwigluWeights& w, float* out,
               std::vector<float>& scratch);

}  // namespace fathom::inference::cpu
