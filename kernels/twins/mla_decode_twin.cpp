// Absorbed MLA decode twin: scores, softmax and the weighted latent sum in double.
#include "kernels/twins/mla_decode_twin.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace fathom::kernels {

void mlaDecodeTwin(const float* qAbs, const float* qPe, int numHeads, int pos, const float* cos, const float* sin,
                   const float* lat, float scale, float* out)
{
    constexpr int kLatent = 512, kRope = 64, kWidth = kLatent + kRope;
    const int ctx = pos + 1;
    std::vector<double> s(ctx);
    for (int h = 0; h < numHeads; ++h) {
        float qr[kRope];
        for (int j = 0; j < kRope / 2; ++j) {
            const float x0 = qPe[h * kRope + 2 * j], x1 = qPe[h * kRope + 2 * j + 1];
            const float c = cos[static_cast<long>(pos) * (kRope / 2) + j], sn = sin[static_cast<long>(pos) * (kRope / 2) + j];
            qr[2 * j] = x0 * c - x1 * sn;
            qr[2 * j + 1] = x0 * sn + x1 * c;
        }
        double mx = -INFINITY;
        for (int t = 0; t < ctx; ++t) {
            const float* row = lat + static_cast<long>(t) * kWidth;
            double d = 0;
            for (int c = 0; c < kLatent; ++c)
                d += static_cast<double>(qAbs[h * kLatent + c]) * row[c];
            for (int c = 0; c < kRope; ++c)
                d += static_cast<double>(qr[c]) * row[kLatent + c];
            s[t] = d * scale;
            mx = std::max(mx, s[t]);
        }
        double sum = 0;
        for (int t = 0; t < ctx; ++t) {
            s[t] = std::exp(s[t] - mx);
            sum += s[t];
        }
        for (int c = 0; c < kLatent; ++c) {
            double acc = 0;
            for (int t = 0; t < ctx; ++t)
                acc += s[t] * lat[static_cast<long>(t) * kWidth + c];
            out[h * kLatent + c] = static_cast<float>(acc / sum);
        }
    }
}

}  // namespace fathom::kernels
