// SwiGLU twin.
#include "kernels/twins/swiglu_twin.h"

#include <cmath>

namespace fathom::kernels {

void swigluTwin(const float* gateUp, int rowStride, int upOffset, float* out, int nRows, int dim)
{
    for (int r = 0; r < nRows; ++r)
        for (int i = 0; i < dim; ++i) {
            const double g = gateUp[static_cast<long>(r) * rowStride + i];
            const double u = gateUp[static_cast<long>(r) * rowStride + upOffset + i];
            out[static_cast<long>(r) * dim + i] = static_cast<float>(g / (1.0 + std::exp(-g)) * u);
        }
}

}  // namespace fathom::kernels
