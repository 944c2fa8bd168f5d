// dtype helpers for TensorView: sizes, names, and exact widening of bf16/f16 weights to fp32 (the CPU
// reference computes in fp32), plus the narrowing used to write synthetic weights and fixtures.
#include "inference/model/tensor.h"

#include "inference/model/quant.h"

#include "base/error.h"

#include <bit>
#include <cmath>
#include <cstring>

namespace fathom::inference {

std::size_t dtypeSize(DType t)
{
    switch (t) {
    case DType::F32: return 4;
    case DType::F16: return 2;
    case DType::BF16: return 2;
    default: break;
    }
    throwInternalError(std::string("dtypeSize: ") + dtypeName(t) + " is block-quantized and has no per-element size");
}

const char* dtypeName(DType t)
{
    switch (t) {
    case DType::F32: return "F32";
    case DType::F16: return "F16";
    case DType::BF16: return "BF16";
    case DType::Q8_0: return "Q8_0";
    case DType::Q4_0: return "Q4_0";
    case DType::Q4_1: return "Q4_1";
    case DType::Q5_0: return "Q5_0";
    case DType::Q5_1: return "Q5_1";
    case DType::Q4_K: return "Q4_K";
    case DType::Q5_K: return "Q5_K";
    case DType::Q6_K: return "Q6_K";
    }
    return "?";
}

bool isQuantized(DType t) { return t != DType::F32 && t != DType::F16 && t != DType::BF16; }

std::int64_t blockElements(DType t)
{
    switch (t) {
    case DType::F32:
    case DType::F16:
    case DType::BF16: return 1;
    case DType::Q8_0:
    case DType::Q4_0:
    case DType::Q4_1:
    case DType::Q5_0:
    case DType::Q5_1: return kQk;
    case DType::Q4_K:
    case DType::Q5_K:
    case DType::Q6_K: return kQkK;
    }
    return 1;
}

std::size_t blockBytes(DType t)
{
    switch (t) {
    case DType::F32: return 4;
    case DType::F16:
    case DType::BF16: return 2;
    case DType::Q8_0: return kQ8_0Bytes;
    case DType::Q4_0: return kQ4_0Bytes;
    case DType::Q4_1: return kQ4_1Bytes;
    case DType::Q5_0: return kQ5_0Bytes;
    case DType::Q5_1: return kQ5_1Bytes;
    case DType::Q4_K: return kQ4_KBytes;
    case DType::Q5_K: return kQ5_KBytes;
    case DType::Q6_K: return kQ6_KBytes;
    }
    return 0;
}

std::size_t rowBytes(DType t, std::int64_t elements)
{
    return static_cast<std::size_t>(elements / blockElements(t)) * blockBytes(t);
}

std::int64_t TensorView::numel() const
{
    std::int64_t n = 1;
    for (std::int64_t d : shape)
        n *= d;  // shapes are validated against their byte size when loaded, so this cannot overflow
    return n;
}

namespace {

float bf16ToFloat(std::uint16_t h)
{
    return std::bit_cast<float>(static_cast<std::uint32_t>(h) << 16);
}

}  // namespace

// IEEE half -> float, exact for every input: normals rebias the exponent, subnormals are
// renormalised, inf/nan keep their payload.
float halfToFloat(std::uint16_t h)
{
    const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
    std::uint32_t exp = (h >> 10) & 0x1fu;
    std::uint32_t mant = h & 0x3ffu;
    std::uint32_t bits;
    if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (mant << 13);
    } else if (exp != 0) {
        bits = sign | ((exp + 112) << 23) | (mant << 13);
    } else if (mant == 0) {
        bits = sign;
    } else {
        // subnormal: value = mant × 2^-24; shift the leading one up to bit 10
        int e = -1;
        do {
            mant <<= 1;
            ++e;
        } while ((mant & 0x400u) == 0);
        bits = sign | (static_cast<std::uint32_t>(112 - e) << 23) | ((mant & 0x3ffu) << 13);
    }
    return std::bit_cast<float>(bits);
}

namespace {

std::uint16_t floatToBf16(float f)
{
    std::uint32_t u = std::bit_cast<std::uint32_t>(f);
    if ((u & 0x7fffffffu) > 0x7f800000u)
        return static_cast<std::uint16_t>((u >> 16) | 0x40u);  // keep NaN a (quiet) NaN
    u += 0x7fffu + ((u >> 16) & 1u);                            // round to nearest even
    return static_cast<std::uint16_t>(u >> 16);
}

std::uint16_t floatToF16(float f)
{
    const std::uint32_t u = std::bit_cast<std::uint32_t>(f);
    const std::uint16_t sign = static_cast<std::uint16_t>((u >> 16) & 0x8000u);
    const std::uint32_t absu = u & 0x7fffffffu;
    if (absu > 0x7f800000u)
        return static_cast<std::uint16_t>(sign | 0x7e00u);
    if (absu >= 0x477ff000u)  // rounds to >= 65520: overflow to inf
        return static_cast<std::uint16_t>(sign | 0x7c00u);
    if (absu < 0x38800000u) {  // below the smallest f16 normal (2^-14): subnormal or zero
        // Exact in float: value / 2^-24 is the subnormal mantissa; nearbyint rounds half to even.
        const float m = std::nearbyint(std::bit_cast<float>(absu) * 16777216.0f);
        return static_cast<std::uint16_t>(sign | static_cast<std::uint16_t>(m));
    }
    std::uint32_t r = absu - (112u << 23);     // rebias exponent
    r += 0xfffu + ((r >> 13) & 1u);            // round to nearest even on the 13 dropped bits
    return static_cast<std::uint16_t>(sign | (r >> 13));
}

}  // namespace

void toFloat(const TensorView& t, std::int64_t first, std::int64_t count, float* out)
{
    if (first < 0 || count < 0 || first + count > t.numel())
        throwInternalError("toFloat: range [" + std::to_string(first) + ", " + std::to_string(first + count) +
                           ") outside tensor " + t.name + " of " + std::to_string(t.numel()) + " elements");
    const std::int64_t block = blockElements(t.dtype);
    if (first % block != 0 || count % block != 0)
        throwInternalError("toFloat: range [" + std::to_string(first) + ", " + std::to_string(first + count) +
                           ") of " + dtypeName(t.dtype) + " tensor " + t.name + " is not on " + std::to_string(block) +
                           "-element block boundaries");
    // memcpy per element: views are only guaranteed dtype alignment, and this keeps it strict-aliasing clean.
    const std::byte* p = t.data + rowBytes(t.dtype, first);
    switch (t.dtype) {
    case DType::F32:
        std::memcpy(out, p, static_cast<std::size_t>(count) * 4);
        break;
    case DType::BF16:
        for (std::int64_t i = 0; i < count; ++i) {
            std::uint16_t h;
            std::memcpy(&h, p + 2 * i, 2);
            out[i] = bf16ToFloat(h);
        }
        break;
    case DType::F16:
        for (std::int64_t i = 0; i < count; ++i) {
            std::uint16_t h;
            std::memcpy(&h, p + 2 * i, 2);
            out[i] = halfToFloat(h);
        }
        break;
    default:
        dequantize(t.dtype, p, count, out);
        break;
    }
}

void fromFloat(DType t, const float* in, std::int64_t count, std::byte* out)
{
    switch (t) {
    case DType::F32:
        std::memcpy(out, in, static_cast<std::size_t>(count) * 4);
        break;
    case DType::BF16:
        for (std::int64_t i = 0; i < count; ++i) {
            const std::uint16_t h = floatToBf16(in[i]);
            std::memcpy(out + 2 * i, &h, 2);
        }
        break;
    case DType::F16:
        for (std::int64_t i = 0; i < count; ++i) {
            const std::uint16_t h = floatToF16(in[i]);
            std::memcpy(out + 2 * i, &h, 2);
        }
        break;
    default:
        throwInternalError(std::string("fromFloat: ") + dtypeName(t) + " is read from GGUF files, never written");
    }
}

}  // namespace fathom::inference
