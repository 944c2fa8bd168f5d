// CPU twin of kernels/mla_prefill, written the plain (non-absorbed) way: per head,
//   k_nope[j] = W_kvb[nope rows of h] lat[j][:rank], v[j] = W_kvb[v rows of h] lat[j][:rank]
//   out[i][h] = sum_{j <= qStart+i} softmax_j(scale (q_nope.k_nope[j] + q_pe.lat[j][rank:])) v[j]
// q [nQ, numHeads, nope+rope] (rope applied), lat [qStart + nQ, rank + rope], out [nQ, numHeads, vDim].
#pragma once

namespace fathom::kernels {

void mlaPrefillTwin(const float* q, const float* lat, const float* kvb, int qStart, int nQ, int numHeads,
                    int kvLoraRank, int ropeDim, int nopeDim, int vDim, float scale, float* out);

}  // namespace fathom::kernels
