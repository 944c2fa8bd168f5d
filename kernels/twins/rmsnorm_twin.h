// CPU twin of kernels/rmsnorm: h += delta (if given); out = h / sqrt(mean(h^2) + eps) * weight.
#pragma once

namespace fathom::kernels {

void rmsNormTwin(float* residual, const float* delta, const float* weight, float* out, int nRows, int dim, float eps);

}  // namespace fathom::kernels
