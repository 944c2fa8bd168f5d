// CPU twin of kernels/mla_decode: for each head h,
//   s_j = scale * (q_abs[h] . lat[j][:512] + rope(q_pe[h], pos) . lat[j][512:]),  j = 0..pos
//   out[h] = sum_j softmax(s)_j lat[j][:512]
// with the latent rows contiguous (lat [pos + 1, 576]) instead of paged.
#pragma once

namespace fathom::kernels {

void mlaDecodeTwin(const float* qAbs, const float* qPe, int numHeads, int pos, const float* cos, const float* sin,
                   const float* lat, float scale, float* out);

}  // namespace fathom::kernels
