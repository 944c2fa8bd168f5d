// CPU twin of SwiGLU (see swiglu_twin.h).
#include "kernels/twins/swiglu_twin.h"

#include <cmath>
#include <cstddef>

namespace fathom::kernels::twins {

void swigluTwin(const float* gate_up, int n_tokens, int n, float* out)
{
    for (int t = 0; t < n_tokens; ++t)
        for (int i = 0; i < n; ++i) {
            const float g = gate_up[static_cast<std::size_t>(t) * 2 * n + i];
            const float u = gate_up[static_cast<std::size_t>(t) * 2 * n + n + i];
            out[static_cast<std::size_t>(t) * n + i] = g / (1.0f + std::exp(-g)) * u;
        }
}

}  // namespace fathom::kernels::twins
