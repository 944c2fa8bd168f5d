// Q5_0 and Q5_1: Q4_0 / Q4_1 plus a fifth bit per weight, bit i of a little-endian u32 for
// element i. Q5_0: w = (q - 16) · d; Q5_1: w = q · d + m. llama-quantize falls back to these for
// rows whose length is not a multiple of 256 (V2-Lite's 1408-wide experts, 128-wide attn_k_b).
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

// The 32 5-bit values of one block: low nibbles from qs, fifth bits from qh.
void unpack5(const std::byte* qhBytes, const std::byte* qsBytes, int q[32])
{
    std::uint32_t qh;
    std::memcpy(&qh, qhBytes, 4);
    const auto* qs = reinterpret_cast<const std::uint8_t*>(qsBytes);
    for (int i = 0; i < 16; ++i) {
        q[i] = (qs[i] & 0x0f) | static_cast<int>(((qh >> i) & 1u) << 4);
        q[i + 16] = (qs[i] >> 4) | static_cast<int>(((qh >> (i + 16)) & 1u) << 4);
    }
}

}  // namespace

void dequantizeQ5_0(const std::byte* src, std::int64_t nBlocks, float* out)
{
    int q[32];
    for (std::int64_t b = 0; b < nBlocks; ++b, src += kQ5_0Bytes, out += kQk) {
        const float d = halfAt(src);
        unpack5(src + 2, src + 6, q);
        for (int i = 0; i < kQk; ++i)
            out[i] = d * static_cast<float>(q[i] - 16);
    }
}

void dequantizeQ5_1(const std::byte* src, std::int64_t nBlocks, float* out)
{
    int q[32];
    for (std::int64_t b = 0; b < nBlocks; ++b, src += kQ5_1Bytes, out += kQk) {
        const float d = halfAt(src), m = halfAt(src + 2);
        unpack5(src + 4, src + 8, q);
        for (int i = 0; i < kQk; ++i) {
            const float scaled = d * static_cast<float>(q[i]);
            out[i] = scaled + m;
        }
    }
}

}  // namespace fathom::inference
