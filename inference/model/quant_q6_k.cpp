// Q6_K: 256 6-bit weights in 16 sub-blocks of 16 with int8 scales; w = (d · scale) · (q - 32).
// Each half of 128 elements takes its low 4 bits from 64 bytes of ql (elements 0-63 low nibbles,
// 64-127 high nibbles) and its top 2 bits from 32 bytes of qh (bits 2·(j/32) of byte j % 32).
#include "inference/model/quant.h"

#include <cstring>

namespace fathom::inference {

void dequantizeQ6_K(const std::byte* src, std::int64_t nBlocks, float* out)
{
    for (std::int64_t b = 0; b < nBlocks; ++b, src += kQ6_KBytes, out += kQkK) {
        const auto* ql = reinterpret_cast<const std::uint8_t*>(src);         // [128]
        const auto* qh = reinterpret_cast<const std::uint8_t*>(src + 128);   // [64]
        const auto* sc = reinterpret_cast<const std::int8_t*>(src + 192);    // [16]
        std::uint16_t dBits;
        std::memcpy(&dBits, src + 208, 2);
        const float d = halfToFloat(dBits);
        for (int half = 0; half < 2; ++half) {
            const std::uint8_t* l4 = ql + 64 * half;
            const std::uint8_t* h2 = qh + 32 * half;
            const std::int8_t* s = sc + 8 * half;
            float* y = out + 128 * half;
            for (int j = 0; j < 128; ++j) {
                const int low = (l4[j % 64] >> (4 * (j / 64))) & 0x0f;
                const int high = (h2[j % 32] >> (2 * (j / 32))) & 0x03;
                const float scale = d * static_cast<float>(s[j / 16]);
                y[j] = scale * static_cast<float>((low | (high << 4)) - 32);
            }
        }
    }
}

}  // namespace fathom::inference
