// CPU twin of kernels/swiglu (and of GEMV's SwiGLU input): out[r][i] = silu(g[r][i]) * g[r][up_offset + i].
#pragma once

namespace fathom::kernels {

void swigluTwin(const float* gateUp, int rowStride, int upOffset, float* out, int nRows, int dim);

}  // namespace fathom::kernels
