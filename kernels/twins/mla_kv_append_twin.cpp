// Latent cache row twin: the norm in double, rope per interleaved pair.
#include "kernels/twins/mla_kv_append_twin.h"

#include <cmath>

namespace fathom::kernels {

void mlaKvAppendTwin(const float* kv, int kvRowStride, const float* normWeight, float eps,
                     const std::int32_t* positions, int nTokens, int kvLoraRank, int ropeDim, const float* cos,
                     const float* sin, float* rows)
{
    const int width = kvLoraRank + ropeDim, half = ropeDim / 2;
    for (int t = 0; t < nTokens; ++t) {
        const float* in = kv + static_cast<long>(t) * kvRowStride;
        float* out = rows + static_cast<long>(t) * width;
        double ss = 0;
        for (int i = 0; i < kvLoraRank; ++i)
            ss += static_cast<double>(in[i]) * in[i];
        const double inv = 1.0 / std::sqrt(ss / kvLoraRank + eps);
        for (int i = 0; i < kvLoraRank; ++i)
            out[i] = static_cast<float>(in[i] * inv * normWeight[i]);
        for (int j = 0; j < half; ++j) {
            const float x0 = in[kvLoraRank + 2 * j], x1 = in[kvLoraRank + 2 * j + 1];
            const float c = cos[static_cast<long>(positions[t]) * half + j], s = sin[static_cast<long>(positions[t]) * half + j];
            out[kvLoraRank + 2 * j] = x0 * c - x1 * s;
            out[kvLoraRank + 2 * j + 1] = x0 * s + x1 * c;
        }
    }
}

}  // namespace fathom::kernels
