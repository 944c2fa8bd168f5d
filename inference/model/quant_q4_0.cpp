// Q4_0 and Q4_1: 32 4-bit weights per block, element i < 16 in the low nibble of byte i, element
// i + 16 in its high nibble. Q4_0 is symmetric (w = (q - 8) · d), Q4_1 has an offset (w = q · d + m).
#include "inference/model/quant.h"

#include <cstring>

namespace fathom::inference {

namespace {

float halfAt(const std::byte* p)
{
    std::uint16_t bits;
    std::memcpy(&bits, p, 2);
    return halfToFloat(bits);
}

}  // namespace

void dequantizeQ4_0(const std::byte* src, std::int64_t nBlocks, float* out)
{
    for (std::int64_t b = 0; b < nBlocks; ++b, src += kQ4_0Bytes, out += kQk) {
        const float d = halfAt(src);
        const auto* qs = reinterpret_cast<const std::uint8_t*>(src + 2);  // 4-bit [32] in 16 bytes
        for (int i = 0; i < kQk / 2; ++i) {
            out[i] = d * static_cast<float>((qs[i] & 0x0f) - 8);
            out[i + kQk / 2] = d * static_cast<float>((qs[i] >> 4) - 8);
        }
    }
}

void dequantizeQ4_1(const std::byte* src, std::int64_t nBlocks, float* out)
{
    for (std::int64_t b = 0; b < nBlocks; ++b, src += kQ4_1Bytes, out += kQk) {
        const float d = halfAt(src), m = halfAt(src + 2);
        const auto* qs = reinterpret_cast<const std::uint8_t*>(src + 4);
        for (int i = 0; i < kQk / 2; ++i) {
            const float lo = d * static_cast<float>(qs[i] & 0x0f);
            const float hi = d * static_cast<float>(qs[i] >> 4);
            out[i] = lo + m;
            out[i + kQk / 2] = hi + m;
        }
    }
}

}  // namespace fathom::inference
