// Generic absorbed MLA decode twin: scores, softmax and the weighted latent sum in double.
#include "kernels/twins/mla_decode_generic_twin.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace fathom::kernels {

void mlaDecodeGenericTwin(const float* qAbs, const float* qPe, int numHeads, int rank, int rope, int pos,
                          const float* cos, const float* sin, const float* lat, float scale, float* out)
{
    const int ctx = pos + 1, width = rank + rope, half = rope / 2;
    std::vector<double> s(static_cast<std::size_t>(ctx));
    std::vector<float> qr(static_cast<std::size_t>(rope));
    for (int h = 0; h < numHeads; ++h) {
        for (int j = 0; j < half; ++j) {
            const float x0 = qPe[h * rope + 2 * j], x1 = qPe[h * rope + 2 * j + 1];
            const float c = cos[static_cast<long>(pos) * half + j], sn = sin[static_cast<long>(pos) * half + j];
            qr[2 * j] = x0 * c - x1 * sn;
            qr[2 * j + 1] = x0 * sn + x1 * c;
        }
        double mx = -INFINITY;
        for (int t = 0; t < ctx; ++t) {
            const float* row = lat + static_cast<long>(t) * width;
            double d = 0;
            for (int c = 0; c < rank; ++c)
                d += static_cast<double>(qAbs[h * rank + c]) * row[c];
            for (int c = 0; c < rope; ++c)
                d += static_cast<double>(qr[c]) * row[rank + c];
            s[t] = d * scale;
            mx = std::max(mx, s[t]);
        }
        double sum = 0;
        for (int t = 0; t < ctx; ++t) {
            s[t] = std::exp(s[t] - mx);
            sum += s[t];
        }
        for (int c = 0; c < rank; ++c) {
            double acc = 0;
            for (int t = 0; t < ctx; ++t)
                acc += s[t] * lat[static_cast<long>(t) * width + c];
            out[h * rank + c] = static_cast<float>(acc / sum);
        }
    }
}

}  // namespace fathom::kernels
