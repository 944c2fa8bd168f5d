// Small vector helpers shared by the CPU ops: 8-wide fp32 vectors (GCC/Clang vector extensions, so
// the same code compiles to SSE2 or AVX2+FMA per target_clones) and bf16/f16 -> fp32 widening.
#pragma once

#include <cstdint>
#include <cstring>

// The 32-byte vector helpers are always inlined, so the ABI note GCC gives for them does not apply.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"

namespace fathom::inference::cpu {

// Raw 16-bit weight elements; distinct types so overloads pick the right widening.
struct Bf16 { std::uint16_t bits; };
struct F16 { std::uint16_t bits; };

typedef float v8f __attribute__((vector_size(32)));
typedef std::uint32_t v8u __attribute__((vector_size(32)));
typedef std::uint16_t v8h __attribute__((vector_size(16)));

// Hot kernels are compiled for AVX2+FMA and for the baseline; the loader picks at run time.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define FATHOM_SIMD_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define FATHOM_SIMD_CLONES
#endif
#define FATHOM_INLINE inline __attribute__((always_inline))

FATHOM_INLINE float widen(float x) { return x; }
FATHOM_INLINE float widen(Bf16 x)
{
    const std::uint32_t w = std::uint32_t(x.bits) << 16;
    float f;
    std::memcpy(&f, &w, 4);
    return f;
}
// f16 -> f32 exactly: move exponent+mantissa into place and rescale by 2^112 (this also turns
// subnormals into the right normals); inf/NaN get the all-ones exponent first.
FATHOM_INLINE float widen(F16 x)
{
    std::uint32_t em = std::uint32_t(x.bits & 0x7fffu) << 13;
    if (em >= (0x7c00u << 13))
        em |= 0x7f800000u;
    float f;
    std::memcpy(&f, &em, 4);
    f *= 0x1p112f;
    std::uint32_t bits;
    std::memcpy(&bits, &f, 4);
    bits |= std::uint32_t(x.bits & 0x8000u) << 16;
    std::memcpy(&f, &bits, 4);
    return f;
}

FATHOM_INLINE v8f load8(const float* p)
{
    v8f v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
FATHOM_INLINE v8f load8(const Bf16* p)
{
    v8h h;
    std::memcpy(&h, p, sizeof h);
    const v8u w = __builtin_convertvector(h, v8u) << 16;
    v8f f;
    std::memcpy(&f, &w, sizeof f);
    return f;
}
FATHOM_INLINE v8f load8(const F16* p)
{
    v8h h;
    std::memcpy(&h, p, sizeof h);
    const v8u w = __builtin_convertvector(h, v8u);
    v8u em = (w & 0x7fffu) << 13;
    em |= (em >= (0x7c00u << 13)) & 0x7f800000u;
    v8f f;
    std::memcpy(&f, &em, sizeof f);
    f *= 0x1p112f;
    v8u bits;
    std::memcpy(&bits, &f, sizeof bits);
    bits |= (w & 0x8000u) << 16;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}
FATHOM_INLINE void store8(float* p, v8f v) { std::memcpy(p, &v, sizeof v); }
FATHOM_INLINE float hsum(v8f v)
{
    return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
}

}  // namespace fathom::inference::cpu

#pragma GCC diagnostic pop
