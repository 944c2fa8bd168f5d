// Device-side dequantization of GGUF blocks, eight elements at a time: what dequantize.cu and the
// tile loaders of qmoe_prefill.cu share. Each type is a small struct that first loads the raw bytes
// one 8-element chunk needs (so a GEMM can issue the loads for its next tile early) and then decodes
// them. The arithmetic copies inference/model/quant_*.cpp step by step with mulRn / addRn / subRn
// (__fmul_rn ... on the device), so nvcc cannot contract a product and a sum into one FMA: results
// equal the CPU twin's fp32 bit for bit. The scalar pieces (rounded ops, f16 widening, K-quant scales) are
// kernels/qblock_core.cuh's, shared with the decode kernels' per-group functions (qblock.cuh); the
// decoders compile for the host too (tests/gpu/qblocks_test.cpp checks them against quant.h).
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/qblock_core.cuh"
#include "kernels/qmatrix.cuh"

namespace fathom::kernels::qblocks {

// The shared arithmetic (kernels/qblock_core.cuh): the decode kernels use the same functions.
using qblock::addRn;
using qblock::bf16x8ToFloats;
using qblock::bitsToFloat;
using qblock::f16x8ToFloats;
using qblock::f32x8ToFloats;
using qblock::halfBits;
using qblock::kSubBlockScales;
using qblock::mulRn;
using qblock::subRn;

// Blocks of 18, 22, 34, 210 bytes leave rows only 2-byte aligned: read such fields in 16-bit pieces.
FATHOM_QHD std::uint32_t ld32a2(const std::uint8_t* p)
{
    const std::uint16_t* h = reinterpret_cast<const std::uint16_t*>(p);
    return static_cast<std::uint32_t>(h[0]) | (static_cast<std::uint32_t>(h[1]) << 16);
}
// float(u - off) for 0 <= u < 2^16 without an int-to-float conversion (a quarter-rate instruction on
// the GPU): 2^23 + u is exact in fp32 and so is subtracting 2^23 + off (the trick ggml-cuda uses).
FATHOM_QHD float biasedToFloat(std::uint32_t u, float off)
{
    return subRn(bitsToFloat(0x4B000000u | u), 8388608.0f + off);
}

// The nibble (4 * hi) of each of the four bytes of w.
FATHOM_QHD int nib(std::uint32_t w, int i, int hi) { return (w >> (8 * i + 4 * hi)) & 0xf; }

// Every chunk type: `load(row, c)` reads what elements [c, c+8) of a row need (c a multiple of 8),
// `decode(w)` turns it into the eight fp32 values quant.h computes.

struct Q8_0 {
    std::uint32_t d, q0, q1;
    FATHOM_QHD void load(const std::uint8_t* row, int c)
    {
        const std::uint8_t* b = row + (c / 32) * 34;
        d = *reinterpret_cast<const std::uint16_t*>(b);
        q0 = ld32a2(b + 2 + c % 32);
        q1 = ld32a2(b + 6 + c % 32);
    }
    FATHOM_QHD void decode(float (&w)[8]) const
    {
        const float s = halfBits(d);
FATHOM_QUNROLL
        for (int i = 0; i < 4; ++i) {
            // int8 q as (q + 128) - 128: flipping the sign bit gives q + 128 in 0..255.
            w[i] = mulRn(biasedToFloat(((q0 >> (8 * i)) & 0xff) ^ 0x80, 128.0f), s);
            w[i + 4] = mulRn(biasedToFloat(((q1 >> (8 * i)) & 0xff) ^ 0x80, 128.0f), s);
        }
    }
};

// Q4_0 / Q4_1 / Q5_0 / Q5_1: element j < 16 is the low nibble of byte j, j >= 16 the high nibble of
// byte j - 16; Q5 adds bit j of the u32 qh as the fifth bit.
template <int kBytes, bool kMin, bool kFive>
struct Q32 {
    std::uint32_t dm, qh, q0, q1;  // dm: f16 d (low half), f16 m (high half, kMin)
    int j;                         // element of the block, 0 / 8 / 16 / 24
    FATHOM_QHD void load(const std::uint8_t* row, int c)
    {
        const std::uint8_t* b = row + (c / 32) * kBytes;
        j = c % 32;
        dm = kMin ? ld32a2(b) : *reinterpret_cast<const std::uint16_t*>(b);
        const std::uint8_t* qs = b + (kMin ? 4 : 2) + (kFive ? 4 : 0);
        qh = kFive ? ld32a2(b + (kMin ? 4 : 2)) : 0u;
        q0 = ld32a2(qs + (j & 15));
        q1 = ld32a2(qs + (j & 15) + 4);
    }
    FATHOM_QHD void decode(float (&w)[8]) const
    {
        const float d = halfBits(dm & 0xffff), m = halfBits(dm >> 16);
        const int hi = j >= 16;
FATHOM_QUNROLL
        for (int i = 0; i < 8; ++i) {
            int q = nib(i < 4 ? q0 : q1, i & 3, hi);
            if (kFive) q |= ((qh >> (j + i)) & 1) << 4;
            if (kMin) {
                w[i] = addRn(mulRn(d, biasedToFloat(q, 0.0f)), m);
            } else {
                w[i] = mulRn(d, biasedToFloat(q, kFive ? 16.0f : 8.0f));
            }
        }
    }
};
using Q4_0 = Q32<18, false, false>;
using Q4_1 = Q32<20, true, false>;
using Q5_0 = Q32<22, false, true>;
using Q5_1 = Q32<24, true, true>;

// The first 16 bytes of a Q4_K / Q5_K block: f16 d | f16 dmin << 16, then the 12 scale bytes.
struct KHeader {
    std::uint32_t ddmin, sc0, sc1, sc2;
    FATHOM_QHD void load(const std::uint8_t* b)
    {
        const std::uint32_t* w = reinterpret_cast<const std::uint32_t*>(b);
        ddmin = w[0];
        sc0 = w[1];
        sc1 = w[2];
        sc2 = w[3];
    }
    // Sub-block s's d·scale and dmin·min.
    FATHOM_QHD void scales(int s, float& dl, float& ml) const { kSubBlockScales(ddmin, sc0, sc1, sc2, s, dl, ml); }
};

// Q4_K / Q5_K: 144- and 176-byte blocks (multiples of 16, so with a 16-byte aligned matrix every
// field is naturally aligned). Sub-block s = e / 32 has a 6-bit scale and min.
template <bool kFive>
struct QK45 {
    KHeader k;
    uint2 qs, qh;
    int e;  // element in the super-block
    FATHOM_QHD void load(const std::uint8_t* row, int c)
    {
        const std::uint8_t* b = row + (c / 256) * (kFive ? 176 : 144);
        e = c % 256;
        k.load(b);
        const int s = e / 32, l = e % 32;
        qs = *reinterpret_cast<const uint2*>(b + (kFive ? 48 : 16) + 32 * (s / 2) + l);
        qh = kFive ? *reinterpret_cast<const uint2*>(b + 16 + l) : make_uint2(0, 0);
    }
    FATHOM_QHD void decode(float (&w)[8]) const
    {
        const int s = e / 32;
        float dl, ml;
        k.scales(s, dl, ml);
        const int hi = s & 1;
FATHOM_QUNROLL
        for (int i = 0; i < 8; ++i) {
            int q = nib(i < 4 ? qs.x : qs.y, i & 3, hi);
            if (kFive) q |= (((i < 4 ? qh.x : qh.y) >> (8 * (i & 3) + s)) & 1) << 4;
            w[i] = subRn(mulRn(dl, biasedToFloat(q, 0.0f)), ml);
        }
    }
};
using Q4_K = QK45<false>;
using Q5_K = QK45<true>;

// Q6_K's scale d·sc from sd = int8 sc (low byte) | f16 d << 16.
FATHOM_QHD float q6kScale(std::uint32_t sd)
{
    return mulRn(halfBits(sd >> 16), static_cast<float>(static_cast<std::int8_t>(sd & 0xff)));
}

// Q6_K: 210-byte blocks (2-byte aligned). Half h = e / 128, j = e % 128: low 4 bits from
// ql[64h + j % 64] (nibble j / 64), top 2 bits from qh[32h + j % 32] (bits 2 (j / 32)).
struct Q6_K {
    std::uint32_t l0, l1, h0, h1, sd;  // sd: int8 scale (low byte) | f16 d << 16
    int j;
    FATHOM_QHD void load(const std::uint8_t* row, int c)
    {
        const std::uint8_t* b = row + (c / 256) * 210;
        const int e = c % 256, h = e / 128;
        j = e % 128;
        l0 = ld32a2(b + 64 * h + j % 64);
        l1 = ld32a2(b + 64 * h + j % 64 + 4);
        h0 = ld32a2(b + 128 + 32 * h + j % 32);
        h1 = ld32a2(b + 128 + 32 * h + j % 32 + 4);
        const std::uint16_t sc2 = *reinterpret_cast<const std::uint16_t*>(b + 192 + 8 * h + ((j / 16) & ~1));
        const std::uint32_t sc = (j / 16) & 1 ? sc2 >> 8 : sc2 & 0xff;
        sd = sc | (static_cast<std::uint32_t>(*reinterpret_cast<const std::uint16_t*>(b + 208)) << 16);
    }
    FATHOM_QHD void decode(float (&w)[8]) const
    {
        const float scale = q6kScale(sd);
FATHOM_QUNROLL
        for (int i = 0; i < 8; ++i) {
            const int low = nib(i < 4 ? l0 : l1, i & 3, j / 64);
            const int high = ((i < 4 ? h0 : h1) >> (8 * (i & 3) + 2 * (j / 32))) & 3;
            w[i] = mulRn(scale, biasedToFloat(low | (high << 4), 32.0f));
        }
    }
};

// Plain types: one 16-byte load (bf16, f16) or two (f32) per chunk.
struct BF16 {
    uint4 v;
    FATHOM_QHD void load(const std::uint8_t* row, int c) { v = *reinterpret_cast<const uint4*>(row + 2 * c); }
    FATHOM_QHD void decode(float (&w)[8]) const { bf16x8ToFloats(v, w); }
};
struct F16 {
    uint4 v;
    FATHOM_QHD void load(const std::uint8_t* row, int c) { v = *reinterpret_cast<const uint4*>(row + 2 * c); }
    FATHOM_QHD void decode(float (&w)[8]) const { f16x8ToFloats(v, w); }
};
struct F32 {
    float4 a, b;
    FATHOM_QHD void load(const std::uint8_t* row, int c)
    {
        const float4* p = reinterpret_cast<const float4*>(row + 4 * c);
        a = p[0];
        b = p[1];
    }
    FATHOM_QHD void decode(float (&w)[8]) const { f32x8ToFloats(a, b, w); }
};

// The chunk type of a WType, for templates dispatched once on the host.
template <WType T> struct Chunk;
template <> struct Chunk<WType::F32> { using type = F32; };
template <> struct Chunk<WType::F16> { using type = F16; };
template <> struct Chunk<WType::BF16> { using type = BF16; };
template <> struct Chunk<WType::Q8_0> { using type = Q8_0; };
template <> struct Chunk<WType::Q4_0> { using type = Q4_0; };
template <> struct Chunk<WType::Q4_1> { using type = Q4_1; };
template <> struct Chunk<WType::Q5_0> { using type = Q5_0; };
template <> struct Chunk<WType::Q5_1> { using type = Q5_1; };
template <> struct Chunk<WType::Q4_K> { using type = Q4_K; };
template <> struct Chunk<WType::Q5_K> { using type = Q5_K; };
template <> struct Chunk<WType::Q6_K> { using type = Q6_K; };


// Sixteen elements [c, c + 16) of a row (c a multiple of 16), what one thread of qmoe_gemm.cuh's
// tile loader decodes per k-step: two 8-element chunks, except Q4_K (the bulk of a Q4_K_M file)
// and Q6_K (its shared down and more-bits layers), whose sixteen share one sub-block's header and scale, read and
// computed once.
template <typename C>
struct Pair16 {
    C a, b;
    FATHOM_QHD void load(const std::uint8_t* row, int c)
    {
        a.load(row, c);
        b.load(row, c + 8);
    }
    FATHOM_QHD void decode(float (&lo)[8], float (&hi)[8]) const
    {
        a.decode(lo);
        b.decode(hi);
    }
};

struct Q4_K16 {
    KHeader k;
    uint4 qs;
    int e;
    FATHOM_QHD void load(const std::uint8_t* row, int c)
    {
        const std::uint8_t* b = row + (c / 256) * 144;
        e = c % 256;
        k.load(b);
        qs = *reinterpret_cast<const uint4*>(b + 16 + 32 * (e / 64) + e % 32);  // 16-byte aligned
    }
    FATHOM_QHD void decode(float (&lo)[8], float (&hi)[8]) const
    {
        const int s = e / 32;
        float dl, ml;
        k.scales(s, dl, ml);
        const int h = s & 1;
        const std::uint32_t q[4] = {qs.x, qs.y, qs.z, qs.w};
FATHOM_QUNROLL
        for (int i = 0; i < 8; ++i) {
            lo[i] = subRn(mulRn(dl, biasedToFloat(nib(q[i / 4], i & 3, h), 0.0f)), ml);
            hi[i] = subRn(mulRn(dl, biasedToFloat(nib(q[2 + i / 4], i & 3, h), 0.0f)), ml);
        }
    }
};

// Q6_K: sixteen elements are one sub-block (one int8 scale), so the scale and d are read once.
struct Q6_K16 {
    std::uint32_t l[4], h[4], sd;
    int j;
    FATHOM_QHD void load(const std::uint8_t* row, int c)
    {
        const std::uint8_t* b = row + (c / 256) * 210;
        const int e = c % 256, half = e / 128;
        j = e % 128;
FATHOM_QUNROLL
        for (int i = 0; i < 4; ++i) {
            l[i] = ld32a2(b + 64 * half + j % 64 + 4 * i);
            h[i] = ld32a2(b + 128 + 32 * half + j % 32 + 4 * i);
        }
        const std::uint16_t sc2 = *reinterpret_cast<const std::uint16_t*>(b + 192 + 8 * half + ((j / 16) & ~1));
        const std::uint32_t sc = (j / 16) & 1 ? sc2 >> 8 : sc2 & 0xff;
        sd = sc | (static_cast<std::uint32_t>(*reinterpret_cast<const std::uint16_t*>(b + 208)) << 16);
    }
    FATHOM_QHD void decode(float (&lo)[8], float (&hi)[8]) const
    {
        const float scale = q6kScale(sd);
FATHOM_QUNROLL
        for (int i = 0; i < 16; ++i) {
            const int low = nib(l[i / 4], i & 3, j / 64);
            const int high = (h[i / 4] >> (8 * (i & 3) + 2 * (j / 32))) & 3;
            (i < 8 ? lo[i] : hi[i - 8]) = mulRn(scale, biasedToFloat(low | (high << 4), 32.0f));
        }
    }
};

template <WType T> struct Chunk16 { using type = Pair16<typename Chunk<T>::type>; };
template <> struct Chunk16<WType::Q4_K> { using type = Q4_K16; };
template <> struct Chunk16<WType::Q6_K> { using type = Q6_K16; };

#ifdef __CUDACC__

// Eight fp32 -> eight bf16 (round to nearest even, as the test's rounding of the twin) in 16 bytes.
__device__ __forceinline__ uint4 packBf16x8(const float (&w)[8])
{
    uint4 r;
    std::uint32_t* u = reinterpret_cast<std::uint32_t*>(&r);
FATHOM_QUNROLL
    for (int i = 0; i < 4; ++i) {
        const __nv_bfloat162 v = __floats2bfloat162_rn(w[2 * i], w[2 * i + 1]);
        u[i] = *reinterpret_cast<const std::uint32_t*>(&v);
    }
    return r;
}

#endif  // __CUDACC__

// Calls f.template operator()<T>() with the WType known at compile time (host-side dispatch).
template <typename F>
inline void dispatchWType(WType t, F&& f)
{
    switch (t) {
    case WType::F32: f.template operator()<WType::F32>(); return;
    case WType::F16: f.template operator()<WType::F16>(); return;
    case WType::BF16: f.template operator()<WType::BF16>(); return;
    case WType::Q8_0: f.template operator()<WType::Q8_0>(); return;
    case WType::Q4_0: f.template operator()<WType::Q4_0>(); return;
    case WType::Q4_1: f.template operator()<WType::Q4_1>(); return;
    case WType::Q5_0: f.template operator()<WType::Q5_0>(); return;
    case WType::Q5_1: f.template operator()<WType::Q5_1>(); return;
    case WType::Q4_K: f.template operator()<WType::Q4_K>(); return;
    case WType::Q5_K: f.template operator()<WType::Q5_K>(); return;
    case WType::Q6_K: f.template operator()<WType::Q6_K>(); return;
    }
}

}  // namespace fathom::kernels::qblocks
