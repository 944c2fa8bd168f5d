// CPU twin of kernels/gemv: y[b][r] (+)= sum_c W[b][r][c] x[b][c], contiguous batches.
#pragma once

namespace fathom::kernels {

void gemvTwin(const float* w, const float* x, float* y, int rows, int cols, int batch, bool accumulate);

}  // namespace fathom::kernels
