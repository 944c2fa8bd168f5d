// CPU twin of kernels/mla_decode_generic: mla_decode's twin for any kv_lora_rank / rope_dim,
// latent rows contiguous (lat [pos + 1, kv_lora_rank + rope_dim]) instead of paged.
#pragma once

namespace fathom::kernels {

// qAbs fp32 [numHeads, rank]; qPe fp32 [numHeads, rope] (before rope); cos/sin [.., rope/2];
// out fp32 [numHeads, rank].
void mlaDecodeGenericTwin(const float* qAbs, const float* qPe, int numHeads, int rank, int rope, int pos,
                          const float* cos, const float* sin, const float* lat, float scale, float* out);

}  // namespace fathom::kernels
