// Rope twin: (x0 + i x1) * (cos + i sin) per pair.
#include "kernels/twins/rope_twin.h"

namespace fathom::kernels {

void ropeTwin(const float* in, float* out, const std::int32_t* positions, int nTokens, int nHeads, int headDim,
              int ropeOffset, const float* cos, const float* sin)
{
    const int half = (headDim - ropeOffset) / 2;
    for (int t = 0; t < nTokens; ++t)
        for (int h = 0; h < nHeads; ++h) {
            const long base = (static_cast<long>(t) * nHeads + h) * headDim;
            for (int d = 0; d < ropeOffset; ++d)
                out[base + d] = in[base + d];
            for (int j = 0; j < half; ++j) {
                const float x0 = in[base + ropeOffset + 2 * j], x1 = in[base + ropeOffset + 2 * j + 1];
                const float c = cos[static_cast<long>(positions[t]) * half + j];
                const float s = sin[static_cast<long>(positions[t]) * half + j];
                out[base + ropeOffset + 2 * j] = x0 * c - x1 * s;
                out[base + ropeOffset + 2 * j + 1] = x0 * s + x1 * c;
            }
        }
}

}  // namespace fathom::kernels
