// The scalar pieces every device-side GGUF block decoder is built from: read-only and 2-byte
// aligned loads, unfused rounded float ops, f16 / bf16 widening and the K-quants' 6-bit scale/min
// unpacking. One home for both decoders: the decode kernels' per-group functions (qblock.cuh,
// qdot.cuh, qdot8.cuh) and the prefill side's load-then-decode chunks (qblocks.cuh).
// Compiles under nvcc (host and device) and under a plain C++ compiler, so the host tests
// (tests/gpu/qblock_host_test.cu, tests/gpu/qblocks_test.cpp) pin it against the CPU twins.
#pragma once

#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <cstring>

// Host and device under nvcc; a plain inline function under a host-only C++ compiler.
#ifdef __CUDACC__
#define FATHOM_QHD __host__ __device__ __forceinline__
#define FATHOM_QUNROLL _Pragma("unroll")
#else
#define FATHOM_QHD inline
#define FATHOM_QUNROLL
#endif

namespace fathom::kernels::qblock {

using u8 = unsigned char;

// ---- loads: weights come through the read-only path (__ldg, cached in L1). Neighbouring lanes
// read neighbouring bytes of one block (a group is 8 of its 32 or 256 elements), so a warp's loads
// cover a contiguous stretch of the row and every fetched sector is used. Blocks of 18, 22, 34 and
// 210 bytes leave many fields only 2-byte aligned; the loaders take the widest load the address
// allows. ----

// Read-only load: __ldg on the device, a plain read on the host.
template <typename V>
FATHOM_QHD V ldro(const V* p)
{
#ifdef __CUDA_ARCH__
    return __ldg(p);
#else
    return *p;
#endif
}

// Rounded float ops that nvcc may not fuse into an FMA (the host compiler does not contract
// without -ffp-contract/-mfma, which the build never sets).
FATHOM_QHD float mulRn(float a, float b)
{
#ifdef __CUDA_ARCH__
    return __fmul_rn(a, b);
#else
    return a * b;
#endif
}
FATHOM_QHD float addRn(float a, float b)
{
#ifdef __CUDA_ARCH__
    return __fadd_rn(a, b);
#else
    return a + b;
#endif
}
FATHOM_QHD float subRn(float a, float b)
{
#ifdef __CUDA_ARCH__
    return __fsub_rn(a, b);
#else
    return a - b;
#endif
}

FATHOM_QHD float bitsToFloat(unsigned u)
{
#ifdef __CUDA_ARCH__
    return __uint_as_float(u);
#else
    float f;
    std::memcpy(&f, &u, 4);
    return f;
#endif
}

// f16 bits (the low 16 of `bits`) -> fp32, exact. The host path is the twin's halfToFloat
// (inference/model/tensor.cpp), so even NaN payloads match it; CUDA's host conversion would
// canonicalize them.
FATHOM_QHD float halfBits(unsigned bits)
{
#ifdef __CUDA_ARCH__
    return __half2float(__ushort_as_half(static_cast<unsigned short>(bits)));
#else
    const unsigned sign = (bits & 0x8000u) << 16, exp = (bits >> 10) & 0x1f, mant = bits & 0x3ff;
    if (exp == 0x1f) return bitsToFloat(sign | 0x7f800000u | (mant << 13));
    if (exp != 0) return bitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    const float sub = static_cast<float>(mant) * (1.0f / 16777216.0f);  // mant * 2^-24, exact
    return sign ? -sub : sub;
#endif
}

// The f16 at p (2-byte aligned), through the read-only path.
FATHOM_QHD float halfAt(const u8* p) { return halfBits(ldro(reinterpret_cast<const unsigned short*>(p))); }

// bf16 -> fp32 is exact: the bf16 bits are the high half of the fp32 bits.
FATHOM_QHD float bf16Lo(unsigned w) { return bitsToFloat(w << 16); }
FATHOM_QHD float bf16Hi(unsigned w) { return bitsToFloat(w & 0xffff0000u); }

// Eight packed 16-bit values (one 16-byte load) widened to fp32, in element order.
FATHOM_QHD void bf16x8ToFloats(uint4 v, float* w)
{
    const unsigned u[4] = {v.x, v.y, v.z, v.w};
FATHOM_QUNROLL
    for (int i = 0; i < 4; ++i) {
        w[2 * i] = bf16Lo(u[i]);
        w[2 * i + 1] = bf16Hi(u[i]);
    }
}
FATHOM_QHD void f16x8ToFloats(uint4 v, float* w)
{
    const unsigned u[4] = {v.x, v.y, v.z, v.w};
FATHOM_QUNROLL
    for (int i = 0; i < 4; ++i) {
        w[2 * i] = halfBits(u[i] & 0xffffu);
        w[2 * i + 1] = halfBits(u[i] >> 16);
    }
}
FATHOM_QHD void f32x8ToFloats(float4 a, float4 b, float* w)
{
    w[0] = a.x; w[1] = a.y; w[2] = a.z; w[3] = a.w;
    w[4] = b.x; w[5] = b.y; w[6] = b.z; w[7] = b.w;
}

FATHOM_QHD unsigned funnelRight(unsigned lo, unsigned hi, unsigned shift)
{
#ifdef __CUDA_ARCH__
    return __funnelshift_r(lo, hi, shift);
#else
    return static_cast<unsigned>(((static_cast<unsigned long long>(hi) << 32) | lo) >> (shift & 31));
#endif
}

// 4 and 8 bytes from a 2-byte aligned address: aligned 4-byte loads stitched with funnel shifts,
// no branch (lanes of one warp sit at different alignments). The extra word is read only when the
// address is not 4-aligned, so nothing past the bytes asked for (rounded to a word) is touched.
FATHOM_QHD unsigned load4(const u8* p)
{
    const std::uintptr_t a = reinterpret_cast<std::uintptr_t>(p);
    const unsigned* w = reinterpret_cast<const unsigned*>(a & ~std::uintptr_t(3));
    const unsigned shift = static_cast<unsigned>(a & 3) * 8;
    const unsigned w0 = ldro(w), w1 = shift ? ldro(w + 1) : 0u;
    return funnelRight(w0, w1, shift);
}

FATHOM_QHD uint2 load8(const u8* p)
{
    const std::uintptr_t a = reinterpret_cast<std::uintptr_t>(p);
    const unsigned* w = reinterpret_cast<const unsigned*>(a & ~std::uintptr_t(3));
    const unsigned shift = static_cast<unsigned>(a & 3) * 8;
    const unsigned w0 = ldro(w), w1 = ldro(w + 1), w2 = shift ? ldro(w + 2) : 0u;
    return make_uint2(funnelRight(w0, w1, shift), funnelRight(w1, w2, shift));
}

FATHOM_QHD int byteOf(uint2 v, int i) { return ((i < 4 ? v.x : v.y) >> (8 * (i & 3))) & 0xff; }

// ---- K-quants (Q4_K / Q5_K): block bytes 0-3 hold f16 d and f16 dmin, bytes 4-15 the 12 bytes of
// 6-bit scales and mins. ----

// The 6-bit scale and min of sub-block s from the 12 scale bytes as three little-endian words
// (ggml's get_scale_min_k4; the CPU twin is inference/model/quant_k_scales.h). A select, not an
// array: a run-time index into a local array would go through the stack.
FATHOM_QHD void kScaleMinWords(unsigned w0, unsigned w1, unsigned w2, int s, int& sc, int& mn)
{
    auto b = [&](int k) -> int {
        const unsigned word = k < 4 ? w0 : (k < 8 ? w1 : w2);
        return (word >> (8 * (k & 3))) & 0xff;
    };
    if (s < 4) {
        sc = b(s) & 63;
        mn = b(s + 4) & 63;
    } else {
        sc = (b(s + 4) & 0x0f) | ((b(s - 4) >> 6) << 4);
        mn = (b(s + 4) >> 4) | ((b(s) >> 6) << 4);
    }
}

// The same from the 12 bytes at `scales` (4-byte aligned: the blocks are 144 and 176 bytes).
FATHOM_QHD void kScaleMin(const u8* scales, int s, int& sc, int& mn)
{
    const unsigned* w = reinterpret_cast<const unsigned*>(scales);
    kScaleMinWords(ldro(w), ldro(w + 1), ldro(w + 2), s, sc, mn);
}

// Sub-block s's d·scale and dmin·min, the two products of quant_q4_k.cpp / quant_q5_k.cpp, from
// the block's first 16 bytes as four words (f16 d | f16 dmin << 16, then the scale bytes).
FATHOM_QHD void kSubBlockScales(unsigned ddmin, unsigned w0, unsigned w1, unsigned w2, int s, float& dl, float& ml)
{
    int sc, mn;
    kScaleMinWords(w0, w1, w2, s, sc, mn);
    dl = mulRn(halfBits(ddmin & 0xffffu), static_cast<float>(sc));
    ml = mulRn(halfBits(ddmin >> 16), static_cast<float>(mn));
}

}  // namespace fathom::kernels::qblock
