// Causal MLA prefill twin: decompress K/V per head, then softmax attention, all in double.
#include "kernels/twins/mla_prefill_twin.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace fathom::kernels {

void mlaPrefillTwin(const float* q, const float* lat, const float* kvb, int qStart, int nQ, int numHeads,
                    int kvLoraRank, int ropeDim, int nopeDim, int vDim, float scale, float* out)
{
    const int T = qStart + nQ, width = kvLoraRank + ropeDim, qDim = nopeDim + ropeDim;
    std::vector<double> k(static_cast<size_t>(T) * nopeDim), v(static_cast<size_t>(T) * vDim), s(T);
    for (int h = 0; h < numHeads; ++h) {
        const float* wk = kvb + static_cast<long>(h) * (nopeDim + vDim) * kvLoraRank;
        const float* wv = wk + static_cast<long>(nopeDim) * kvLoraRank;
        for (int t = 0; t < T; ++t) {
            const float* l = lat + static_cast<long>(t) * width;
            for (int d = 0; d < nopeDim; ++d) {
                double a = 0;
                for (int c = 0; c < kvLoraRank; ++c)
                    a += static_cast<double>(wk[static_cast<long>(d) * kvLoraRank + c]) * l[c];
                k[static_cast<size_t>(t) * nopeDim + d] = a;
            }
            for (int d = 0; d < vDim; ++d) {
                double a = 0;
                for (int c = 0; c < kvLoraRank; ++c)
                    a += static_cast<double>(wv[static_cast<long>(d) * kvLoraRank + c]) * l[c];
                v[static_cast<size_t>(t) * vDim + d] = a;
            }
        }
        for (int i = 0; i < nQ; ++i) {
            const float* qi = q + (static_cast<long>(i) * numHeads + h) * qDim;
            const int valid = qStart + i + 1;
            double mx = -INFINITY;
            for (int t = 0; t < valid; ++t) {
                double d = 0;
                for (int c = 0; c < nopeDim; ++c)
                    d += qi[c] * k[static_cast<size_t>(t) * nopeDim + c];
                for (int c = 0; c < ropeDim; ++c)
                    d += static_cast<double>(qi[nopeDim + c]) * lat[static_cast<long>(t) * width + kvLoraRank + c];
                s[t] = d * scale;
                mx = std::max(mx, s[t]);
            }
            double sum = 0;
            for (int t = 0; t < valid; ++t) {
                s[t] = std::exp(s[t] - mx);
                sum += s[t];
            }
            float* o = out + (static_cast<long>(i) * numHeads + h) * vDim;
            for (int d = 0; d < vDim; ++d) {
                double a = 0;
                for (int t = 0; t < valid; ++t)
                    a += s[t] * v[static_cast<size_t>(t) * vDim + d];
                o[d] = static_cast<float>(a / sum);
            }
        }
    }
}

}  // namespace fathom::kernels
