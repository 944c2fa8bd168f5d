// Q5_K: Q4_K's layout plus 32 bytes of fifth bits (bit s of byte l belongs to element l of
// sub-block s); w = (d · scale) · q - (dmin · min) with q in 0..31.
#include "inference/model/quant.h"

#include "inference/model/quant_k_scales.h"

#include <cstring>

namespace fathom::inference {

void dequantizeQ5_K(const std::byte* src, std::int64_t nBlocks, float* out)
{
    for (std::int64_t b = 0; b < nBlocks; ++b, src += kQ5_KBytes, out += kQkK) {
        std::uint16_t bits[2];
        std::memcpy(bits, src, 4);
        const float d = halfToFloat(bits[0]), dmin = halfToFloat(bits[1]);
        const auto* scales = reinterpret_cast<const std::uint8_t*>(src + 4);  // [12]
        const auto* qh = reinterpret_cast<const std::uint8_t*>(src + 16);     // fifth bits [32]
        const auto* qs = reinterpret_cast<const std::uint8_t*>(src + 48);     // low nibbles [128]
        for (int s = 0; s < 8; ++s) {
            const KScaleMin sm = kScaleMin(scales, s);
            const float dl = d * static_cast<float>(sm.scale);
            const float ml = dmin * static_cast<float>(sm.min);
            const std::uint8_t* q = qs + 32 * (s / 2);
            const int shift = (s % 2) * 4;
            for (int l = 0; l < 32; ++l) {
                const int v = ((q[l] >> shift) & 0x0f) | (((qh[l] >> s) & 1) << 4);
                const float scaled = dl * static_cast<float>(v);
                out[32 * s + l] = scaled - ml;
            }
        }
    }
}

}  // namespace fathom::inference
