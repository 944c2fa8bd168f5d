// Random GGUF-block matrices for the quantized ops' rows: valid blocks (random bytes, every f16
// scale field a finite 0.01..0.1) and their exact fp32 dequantization by the CPU twin
// (inference/model/quant.h). Header-only, tests only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "inference/model/quant.h"
#include "kernels/qmatrix.cuh"

namespace fathom::gputest {

// f16 bits of a random value in ±[0.01, 0.1]: exponents 2^-7..2^-4, redrawn until in range.
inline std::uint16_t randomScaleHalf(std::mt19937_64& rng, bool allow_negative)
{
    for (;;) {
        const std::uint16_t exp = static_cast<std::uint16_t>(15 - 7 + rng() % 4);
        std::uint16_t bits = static_cast<std::uint16_t>((exp << 10) | (rng() & 0x3ff));
        if (allow_negative && (rng() & 1)) bits |= 0x8000;
        const float v = inference::halfToFloat(bits);
        if (std::abs(v) >= 0.01f && std::abs(v) <= 0.1f) return bits;
    }
}

// Byte offsets of the f16 fields inside one block of `t` (d, and m / dmin where the type has one).
inline std::vector<int> halfFields(kernels::WType t)
{
    using kernels::WType;
    switch (t) {
    case WType::Q8_0: case WType::Q4_0: case WType::Q5_0: return {0};
    case WType::Q4_1: case WType::Q5_1: case WType::Q4_K: case WType::Q5_K: return {0, 2};
    case WType::Q6_K: return {208};
    default: return {};
    }
}

// A row-major [rows, cols] matrix of `t` as the GGUF file would hold it, plus its CPU dequantization.
struct HostQMatrix {
    kernels::WType type;
    int rows, cols;
    std::int64_t row_bytes;
    std::vector<std::uint8_t> bytes;  // rows * row_bytes
    std::vector<float> values;        // fp32 [rows, cols] the twin's dequantization
};

inline HostQMatrix randomQMatrix(kernels::WType t, int rows, int cols, std::uint64_t seed)
{
    using kernels::WType;
    HostQMatrix m{t, rows, cols, kernels::wtypeRowBytes(t, cols), {}, {}};
    m.bytes.resize(static_cast<std::size_t>(rows) * m.row_bytes);
    std::mt19937_64 rng(seed);
    const std::size_t n = static_cast<std::size_t>(rows) * cols;
    if (t == WType::F32 || t == WType::F16 || t == WType::BF16) {
        std::uniform_real_distribution<float> u(-1.f, 1.f);
        for (std::size_t i = 0; i < n; ++i) {
            const float f = u(rng);
            if (t == WType::F32) {
                std::memcpy(&m.bytes[4 * i], &f, 4);
            } else if (t == WType::BF16) {
                std::uint32_t b;
                std::memcpy(&b, &f, 4);
                const std::uint16_t h = static_cast<std::uint16_t>(b >> 16);
                std::memcpy(&m.bytes[2 * i], &h, 2);
            } else {  // any finite half: random exponent below 16 (|v| < 2), subnormals included
                const std::uint16_t h = static_cast<std::uint16_t>((rng() & 0x83ff) | ((rng() % 16) << 10));
                std::memcpy(&m.bytes[2 * i], &h, 2);
            }
        }
    } else {
        for (auto& b : m.bytes) b = static_cast<std::uint8_t>(rng());
        const int bb = kernels::wtypeBlockBytes(t);
        const std::vector<int> fields = halfFields(t);
        for (std::size_t off = 0; off < m.bytes.size(); off += bb)
            for (std::size_t f = 0; f < fields.size(); ++f) {
                // Q4_1 / Q5_1's m may be negative; K-types' dmin is subtracted, so keep it positive.
                const bool neg = f == 1 && (t == WType::Q4_1 || t == WType::Q5_1);
                const std::uint16_t h = randomScaleHalf(rng, neg);
                std::memcpy(&m.bytes[off + fields[f]], &h, 2);
            }
    }
    m.values.resize(n);
    for (int r = 0; r < rows; ++r)
        inference::dequantize(static_cast<inference::DType>(t), reinterpret_cast<const std::byte*>(&m.bytes[r * m.row_bytes]),
                              cols, &m.values[static_cast<std::size_t>(r) * cols]);
    return m;
}

}  // namespace fathom::gputest
