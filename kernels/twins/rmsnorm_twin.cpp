// RMSNorm twin, accumulated in double.
#include "kernels/twins/rmsnorm_twin.h"

#include <cmath>

namespace fathom::kernels {

void rmsNormTwin(float* residual, const float* delta, const float* weight, float* out, int nRows, int dim, float eps)
{
    for (int r = 0; r < nRows; ++r) {
        float* h = residual + static_cast<long>(r) * dim;
        double ss = 0;
        for (int i = 0; i < dim; ++i) {
            if (delta)
                h[i] += delta[static_cast<long>(r) * dim + i];
            ss += static_cast<double>(h[i]) * h[i];
        }
        const double inv = 1.0 / std::sqrt(ss / dim + eps);
        for (int i = 0; i < dim; ++i)
            out[static_cast<long>(r) * dim + i] = static_cast<float>(h[i] * inv * weight[i]);
    }
}

}  // namespace fathom::kernels
