// CPU twin of kernels/mla_decode and kernels/mla_decode_generic (the fast kernel is the same math at
// V2-Lite's 512 + 64): for each head h,
//   s_j = scale * (q_abs[h] . lat[j][:rank] + rope(q_pe[h], pos) . lat[j][rank:]),  j = 0..pos
//   out[h] = sum_j softmax(s)_j lat[j][:rank]
// with the latent rows contiguous (lat [pos + 1, kv_lora_rank + rope_dim]) instead of paged.
#pragma once

namespace fathom::kernels {

// qAbs fp32 [numHeads, rank]; qPe fp32 [numHeads, rope] (before rope); cos/sin [.., rope/2];
// out fp32 [numHeads, rank].
void mlaDecodeGenericTwin(const float* qAbs, const float* qPe, int numHeads, int rank, int rope, int pos,
                          const float* cos, const float* sin, const float* lat, float scale, float* out);

}  // namespace fathom::kernels
