// swigluMlp: three matmuls around an element-wise silu(gate)·up.
#include "inference/cpu/swiglu_mlp.h"

#include "inference/cpu/matmul.h"

#include <cmath>

namespace fathom::inference::cpu {

void swigluMlp(ThreadPool& pool, const float* x, std::int64_t n, const SwigluWeights& w, float* out,
               std::vector<float>& scratch)
{
    const std::int64_t inter = w.gate.rows;
    scratch.resize(static_cast<std::size_t>(2 * n * inter));
    float* gate = scratch.data();     // fp32 [n, inter]
    float* up = gate + n * inter;     // fp32 [n, inter]
    matmul(pool, x, n, w.gate, gate);
    matmul(pool, x, n, w.up, up);
    for (std::int64_t i = 0; i < n * inter; ++i) {
        const float g = gate[i];
        gate[i] = g / (1.0f + std::exp(-g)) * up[i];
    }
    matmul(pool, gate, n, w.down, out);
}

}  // namespace fathom::inference::cpu
