// Random GGUF-packed matrices for the quantized kernels' tests and benches: valid blocks of any
// QMatrix type, random bytes for the quants (every bit pattern is a valid quant) and sane finite
// f16 scales, so kernel and twin read the same packed bytes and the results stay finite.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/qmatrix.cuh"
#include "tests/gpu/attn_gpu_util.h"

namespace fathom::quanttest {

using kernels::WType;

// fp32 -> IEEE binary16 bits, truncating; for normal values only (the scales drawn below).
inline std::uint16_t halfBits(float f)
{
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    const std::uint32_t sign = (u >> 16) & 0x8000u;
    const int exp = static_cast<int>((u >> 23) & 0xff) - 127 + 15;
    if ((u & 0x7fffffffu) == 0 || exp <= 0)
        return static_cast<std::uint16_t>(sign);
    return static_cast<std::uint16_t>(sign | (static_cast<std::uint32_t>(exp) << 10) | ((u >> 13) & 0x3ffu));
}

// A packed matrix in host memory, and its QMatrix view (host data: what the twins read).
struct PackedMatrix {
    WType type = WType::BF16;
    int rows = 0, cols = 0;
    std::vector<std::uint8_t> bytes;
    kernels::QMatrix host() const { return {bytes.data(), type, rows, cols, kernels::wtypeRowBytes(type, cols)}; }
    // The same view on a device copy of `bytes`.
    kernels::QMatrix on(const attntest::DevBuf& d) const
    {
        return {d.get(), type, rows, cols, kernels::wtypeRowBytes(type, cols)};
    }
};

inline PackedMatrix randomPacked(WType t, int rows, int cols, attntest::Rng& rng)
{
    PackedMatrix m;
    m.type = t;
    m.rows = rows;
    m.cols = cols;
    const std::int64_t rowBytes = kernels::wtypeRowBytes(t, cols);
    m.bytes.resize(static_cast<std::size_t>(rowBytes) * rows);
    std::uint8_t* p = m.bytes.data();
    const std::size_t n = m.bytes.size();
    auto put16 = [p](std::size_t at, std::uint16_t v) { std::memcpy(p + at, &v, 2); };
    auto scale = [&rng](float lo, float hi) {  // random sign, magnitude in [lo, hi)
        const float v = rng.uniform(lo, hi);
        return (rng.next() & 1) ? -v : v;
    };
    switch (t) {
    case WType::F32:
        for (std::size_t i = 0; i < n; i += 4) {
            const float v = rng.uniform(-1.f, 1.f);
            std::memcpy(p + i, &v, 4);
        }
        return m;
    case WType::F16:
        for (std::size_t i = 0; i < n; i += 2)
            put16(i, halfBits(scale(1e-3f, 1.f)));
        return m;
    case WType::BF16:
        for (std::size_t i = 0; i < n; i += 2)
            put16(i, attntest::toBf16Bits(rng.uniform(-1.f, 1.f)));
        return m;
    default:
        break;
    }
    for (std::size_t i = 0; i < n; i += 8) {
        const std::uint64_t r = rng.next();
        std::memcpy(p + i, &r, n - i < 8 ? n - i : 8);
    }
    const std::size_t bb = kernels::wtypeBlockBytes(t);
    for (std::size_t b = 0; b < n; b += bb) {
        switch (t) {
        case WType::Q8_0:
        case WType::Q4_0:
        case WType::Q5_0:
            put16(b, halfBits(scale(0.01f, 0.1f)));  // d
            break;
        case WType::Q4_1:
        case WType::Q5_1:
            put16(b, halfBits(scale(0.01f, 0.1f)));      // d
            put16(b + 2, halfBits(scale(0.001f, 0.1f)));  // m
            break;
        case WType::Q4_K:
        case WType::Q5_K:
            put16(b, halfBits(rng.uniform(0.001f, 0.01f)));      // d
            put16(b + 2, halfBits(rng.uniform(0.001f, 0.01f)));  // dmin
            break;
        case WType::Q6_K:
            put16(b + 208, halfBits(scale(0.001f, 0.01f)));  // d
            break;
        default:
            break;
        }
    }
    return m;
}

inline void uploadPacked(attntest::DevBuf& d, const PackedMatrix& m) { attntest::uploadRaw(d, m.bytes); }

inline std::string typeName(WType t) { return kernels::wtypeName(t); }

}  // namespace fathom::quanttest
