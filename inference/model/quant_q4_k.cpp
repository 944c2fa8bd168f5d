// Q4_K: 256 4-bit weights in 8 sub-blocks of 32, each with a 6-bit scale and a 6-bit min packed
// into 12 bytes; w = (d · scale) · q - (dmin · min). The most common type of a Q4_K_M file.
#include "inference/model/quant.h"

#include "inference/model/quant_k_scales.h"

#include <cstring>

namespace fathom::inference {

void dequantizeQ4_K(const std::byte* src, std::int64_t nBlocks, float* out)
{
    for (std::int64_t b = 0; b < nBlocks; ++b, src += kQ4_KBytes, out += kQkK) {
        std::uint16_t bits[2];
        std::memcpy(bits, src, 4);
        const float d = halfToFloat(bits[0]), dmin = halfToFloat(bits[1]);
        const auto* scales = reinterpret_cast<const std::uint8_t*>(src + 4);  // [12]
        const auto* qs = reinterpret_cast<const std::uint8_t*>(src + 16);     // 4-bit [256] in 128 bytes
        // Sub-block s: bytes 32·(s/2) .. +32, low nibbles for even s, high for odd.
        for (int s = 0; s < 8; ++s) {
            const KScaleMin sm = kScaleMin(scales, s);
            const float dl = d * static_cast<float>(sm.scale);
            const float ml = dmin * static_cast<float>(sm.min);
            const std::uint8_t* q = qs + 32 * (s / 2);
            const int shift = (s % 2) * 4;
            for (int l = 0; l < 32; ++l) {
                const float scaled = dl * static_cast<float>((q[l] >> shift) & 0x0f);
                out[32 * s + l] = scaled - ml;
            }
        }
    }
}

}  // namespace fathom::inference
