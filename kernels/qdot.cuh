// The quantized kernels' inner loop: the dot of one 8-element group of a packed row with 8 fp32
// activations, with the block scales factored out of the sum. Dequantizing every weight first
// (qblock.cuh's dequantGroup, which the embedding uses) costs an int->float conversion (quarter
// rate on Hopper) and a multiply per weight, which made the GEMV compute-bound at 15 % of copy
// bandwidth for Q4_K (H200, kernel_bench). Here each quant becomes a float with one byte permute
// and one add (2^23 + q has q in its low mantissa bits, so the conversion is exact) and the sum
//   Σ w_i x_i = d · Σ (q_i - offset) x_i        (Q8_0, Q4_0, Q5_0, Q6_K with d = d·scale)
//   Σ w_i x_i = d · Σ q_i x_i + m · Σ x_i       (Q4_1, Q5_1; K-quants with -dmin·min)
// rounds the scale once per group instead of once per weight: equal to the twin's exact weights to
// fp32 rounding (~1e-7 relative), pinned by tests/gpu/qblock_host_test.cu. Included by .cu only.
#pragma once

#include "kernels/qblock.cuh"

namespace fathom::kernels::qblock {

FATHOM_QHD unsigned bytePerm(unsigned a, unsigned b, unsigned sel)
{
#ifdef __CUDA_ARCH__
    return __byte_perm(a, b, sel);
#else
    const unsigned long long v = (static_cast<unsigned long long>(b) << 32) | a;
    unsigned r = 0;
    for (int k = 0; k < 4; ++k)
        r |= static_cast<unsigned>((v >> (8 * ((sel >> (4 * k)) & 7))) & 0xff) << (8 * k);
    return r;
#endif
}

constexpr float kMagic = 8388608.f;  // 2^23

// Byte k of v as a float minus `magicBias` (= 2^23 + an integer offset): exact.
FATHOM_QHD float byteMinus(unsigned v, int k, float magicBias)
{
    return bitsToFloat(bytePerm(v, 0x4B000000u, 0x7440u | static_cast<unsigned>(k))) - magicBias;
}

// Σ_k (byte k of lo:hi - offset) · x[k] over 8 bytes, magicBias = 2^23 + offset.
FATHOM_QHD float dotBytes(unsigned lo, unsigned hi, float magicBias, const float x[8])
{
    float s = byteMinus(lo, 0, magicBias) * x[0];
    s = fmaf(byteMinus(lo, 1, magicBias), x[1], s);
    s = fmaf(byteMinus(lo, 2, magicBias), x[2], s);
    s = fmaf(byteMinus(lo, 3, magicBias), x[3], s);
    s = fmaf(byteMinus(hi, 0, magicBias), x[4], s);
    s = fmaf(byteMinus(hi, 1, magicBias), x[5], s);
    s = fmaf(byteMinus(hi, 2, magicBias), x[6], s);
    s = fmaf(byteMinus(hi, 3, magicBias), x[7], s);
    return s;
}

// Bits 0-3 of b4 moved to bit 4 of bytes 0-3 (the fifth bits of Q5_0/Q5_1): the four shifted
// copies b4 << 7t occupy disjoint bits, so the product has bit t of b4 at bit 8t.
FATHOM_QHD unsigned spreadFifthBits(unsigned b4) { return ((b4 * 0x00204081u) & 0x01010101u) << 4; }

// Whether groupDotFast<T> needs Σ x of the group (types with an additive offset).
template <WType T>
constexpr bool kNeedsXSum = T == WType::Q4_1 || T == WType::Q5_1 || T == WType::Q4_K || T == WType::Q5_K;

// Dot of group g of a row with x[0..7]; xsum = Σ x (read only where kNeedsXSum<T>).
template <WType T>
FATHOM_QHD float groupDotFast(const u8* row, int g, const float x[8], float xsum)
{
    if constexpr (T == WType::F32 || T == WType::BF16 || T == WType::F16) {
        return groupDot<T>(row, g, x);
    } else if constexpr (T == WType::Q8_0) {
        const u8* b = row + static_cast<std::int64_t>(g >> 2) * 34;
        const uint2 q = load8(b + 2 + 8 * (g & 3));
        // int8 -> biased uint8 (flip the sign bit), then subtract the bias back.
        return halfAt(b) * dotBytes(q.x ^ 0x80808080u, q.y ^ 0x80808080u, kMagic + 128.f, x);
    } else if constexpr (T == WType::Q4_0 || T == WType::Q4_1) {
        constexpr int kBytes = T == WType::Q4_0 ? 18 : 20, kQs = T == WType::Q4_0 ? 2 : 4;
        const u8* b = row + static_cast<std::int64_t>(g >> 2) * kBytes;
        const int j = g & 3;
        const uint2 q = load8(b + kQs + 8 * (j & 1));
        const unsigned shift = (j >> 1) * 4;
        const unsigned lo = (q.x >> shift) & 0x0f0f0f0fu, hi = (q.y >> shift) & 0x0f0f0f0fu;
        if constexpr (T == WType::Q4_0)
            return halfAt(b) * dotBytes(lo, hi, kMagic + 8.f, x);
        else
            return fmaf(halfAt(b), dotBytes(lo, hi, kMagic, x), halfAt(b + 2) * xsum);
    } else if constexpr (T == WType::Q5_0 || T == WType::Q5_1) {
        constexpr int kBytes = T == WType::Q5_0 ? 22 : 24, kQh = T == WType::Q5_0 ? 2 : 4;
        const u8* b = row + static_cast<std::int64_t>(g >> 2) * kBytes;
        const int j = g & 3;
        const unsigned qh = (load4(b + kQh) >> (8 * j)) & 0xffu;
        const uint2 q = load8(b + kQh + 4 + 8 * (j & 1));
        const unsigned shift = (j >> 1) * 4;
        const unsigned lo = ((q.x >> shift) & 0x0f0f0f0fu) | spreadFifthBits(qh & 0xfu);
        const unsigned hi = ((q.y >> shift) & 0x0f0f0f0fu) | spreadFifthBits(qh >> 4);
        if constexpr (T == WType::Q5_0)
            return halfAt(b) * dotBytes(lo, hi, kMagic + 16.f, x);
        else
            return fmaf(halfAt(b), dotBytes(lo, hi, kMagic, x), halfAt(b + 2) * xsum);
    } else if constexpr (T == WType::Q4_K || T == WType::Q5_K) {
        constexpr int kBytes = T == WType::Q4_K ? 144 : 176, kQs = T == WType::Q4_K ? 16 : 48;
        const u8* b = row + static_cast<std::int64_t>(g >> 5) * kBytes;
        const int gi = g & 31, s = gi >> 2, l0 = (gi & 3) * 8;
        int sc, mn;
        kScaleMin(b + 4, s, sc, mn);
        const float dl = halfAt(b) * static_cast<float>(sc);
        const float ml = halfAt(b + 2) * static_cast<float>(mn);
        const uint2 q = ldro(reinterpret_cast<const uint2*>(b + kQs + 32 * (s >> 1) + l0));
        const unsigned shift = (s & 1) * 4;
        unsigned lo = (q.x >> shift) & 0x0f0f0f0fu, hi = (q.y >> shift) & 0x0f0f0f0fu;
        if constexpr (T == WType::Q5_K) {
            const uint2 qh = ldro(reinterpret_cast<const uint2*>(b + 16 + l0));
            lo |= ((qh.x >> s) & 0x01010101u) << 4;
            hi |= ((qh.y >> s) & 0x01010101u) << 4;
        }
        return fmaf(dl, dotBytes(lo, hi, kMagic, x), -ml * xsum);
    } else {  // Q6_K
        const u8* b = row + static_cast<std::int64_t>(g >> 5) * 210;
        const int e0 = (g & 31) * 8, h = e0 >> 7, j0 = e0 & 127;
        const uint2 ql = load8(b + 64 * h + (j0 & 63));
        const uint2 qh = load8(b + 128 + 32 * h + (j0 & 31));
        const int sc = static_cast<signed char>(ldro(reinterpret_cast<const unsigned char*>(b + 192 + 8 * h + (j0 >> 4))));
        const unsigned ls = 4 * (j0 >> 6), hs = 2 * ((j0 >> 5) & 3);
        const unsigned lo = ((ql.x >> ls) & 0x0f0f0f0fu) | (((qh.x >> hs) & 0x03030303u) << 4);
        const unsigned hi = ((ql.y >> ls) & 0x0f0f0f0fu) | (((qh.y >> hs) & 0x03030303u) << 4);
        return (halfAt(b + 208) * static_cast<float>(sc)) * dotBytes(lo, hi, kMagic + 32.f, x);
    }
}

// ---- units: the K-quants' scale decoding (12 packed bytes, two f16) is most of their work per
// group, so the register-x GEMV gives a lane a whole 32-element sub-block at a time (one scale
// decode per 32 weights, 16-byte loads); other types keep 8-element groups. ----

template <WType T>
constexpr int kUnit = (T == WType::Q4_K || T == WType::Q5_K || T == WType::Q6_K) ? 32 : 8;

// Σ over 32 bytes (8 words) of (byte - offset) · x.
FATHOM_QHD float dotBytes32(const unsigned v[8], float magicBias, const float x[32])
{
    float s = 0.f;
#pragma unroll
    for (int k = 0; k < 4; ++k)
        s += dotBytes(v[2 * k], v[2 * k + 1], magicBias, x + 8 * k);
    return s;
}

// Dot of unit u (elements kUnit*u ..) of a row with x[0 .. kUnit-1]; xsum = Σ x of the unit.
template <WType T>
FATHOM_QHD float unitDot(const u8* row, int u, const float* x, float xsum)
{
    if constexpr (kUnit<T> == 8) {
        return groupDotFast<T>(row, u, x, xsum);
    } else if constexpr (T == WType::Q4_K || T == WType::Q5_K) {
        constexpr int kBytes = T == WType::Q4_K ? 144 : 176, kQs = T == WType::Q4_K ? 16 : 48;
        const u8* b = row + static_cast<std::int64_t>(u >> 3) * kBytes;  // 16-byte aligned
        const int s = u & 7;
        int sc, mn;
        kScaleMin(b + 4, s, sc, mn);
        const float dl = halfAt(b) * static_cast<float>(sc);
        const float ml = halfAt(b + 2) * static_cast<float>(mn);
        const uint4* qp = reinterpret_cast<const uint4*>(b + kQs + 32 * (s >> 1));
        const uint4 q0 = ldro(qp), q1 = ldro(qp + 1);
        unsigned v[8] = {q0.x, q0.y, q0.z, q0.w, q1.x, q1.y, q1.z, q1.w};
        const unsigned shift = (s & 1) * 4;
#pragma unroll
        for (int k = 0; k < 8; ++k)
            v[k] = (v[k] >> shift) & 0x0f0f0f0fu;
        if constexpr (T == WType::Q5_K) {
            const uint4* hp = reinterpret_cast<const uint4*>(b + 16);
            const uint4 h0 = ldro(hp), h1 = ldro(hp + 1);
            const unsigned h[8] = {h0.x, h0.y, h0.z, h0.w, h1.x, h1.y, h1.z, h1.w};
#pragma unroll
            for (int k = 0; k < 8; ++k)
                v[k] |= ((h[k] >> s) & 0x01010101u) << 4;
        }
        return fmaf(dl, dotBytes32(v, kMagic, x), -ml * xsum);
    } else {  // Q6_K: 32 elements of one half, two 16-element scales
        const u8* b = row + static_cast<std::int64_t>(u >> 3) * 210;
        const int e0 = (u & 7) * 32, h = e0 >> 7, j0 = e0 & 127;
        const unsigned ls = 4 * (j0 >> 6), hs = 2 * (j0 >> 5);
        unsigned v[8];
#pragma unroll
        for (int k = 0; k < 4; ++k) {
            const uint2 ql = load8(b + 64 * h + (j0 & 63) + 8 * k);
            const uint2 qh = load8(b + 128 + 32 * h + 8 * k);
            v[2 * k] = ((ql.x >> ls) & 0x0f0f0f0fu) | (((qh.x >> hs) & 0x03030303u) << 4);
            v[2 * k + 1] = ((ql.y >> ls) & 0x0f0f0f0fu) | (((qh.y >> hs) & 0x03030303u) << 4);
        }
        const float d = halfAt(b + 208);
        const unsigned char* sc = b + 192 + 8 * h + (j0 >> 4);
        const float s0 = d * static_cast<float>(static_cast<signed char>(ldro(sc)));
        const float s1 = d * static_cast<float>(static_cast<signed char>(ldro(sc + 1)));
        const float a = dotBytes(v[0], v[1], kMagic + 32.f, x) + dotBytes(v[2], v[3], kMagic + 32.f, x + 8);
        const float c = dotBytes(v[4], v[5], kMagic + 32.f, x + 16) + dotBytes(v[6], v[7], kMagic + 32.f, x + 24);
        return fmaf(s0, a, s1 * c);
    }
}

// One lane's share of the dot of a row (ngroups groups) with fp32 x in shared memory (x[8g .. 8g+7]
// for group g): lanes take groups lane, lane + 32, ...; the caller sums over the warp, once, after
// as many rows as it likes. With kTwo, rowB (same type and length) is dotted with the same x, so
// gate and up share each x read. U groups per row and lane in flight (4 or 6 in all: qmoe_decode's
// 128-register budget without spills); past the end a lane re-reads the last group and drops it.
template <WType T, bool kTwo>
__device__ __forceinline__ void laneRowDot(const u8* rowA, const u8* rowB, int ngroups, const float* x, int lane,
                                           float& accA, float& accB)
{
    constexpr int U = kTwo ? 3 : 4;
    for (int g0 = lane; g0 < ngroups; g0 += 32 * U) {
#pragma unroll
        for (int u = 0; u < U; ++u) {
            const int g = g0 + 32 * u;
            const int gc = g < ngroups ? g : ngroups - 1;
            const float4 x0 = reinterpret_cast<const float4*>(x)[2 * gc];
            const float4 x1 = reinterpret_cast<const float4*>(x)[2 * gc + 1];
            const float xv[8] = {x0.x, x0.y, x0.z, x0.w, x1.x, x1.y, x1.z, x1.w};
            float xsum = 0.f;
            if constexpr (kNeedsXSum<T>)
                xsum = ((xv[0] + xv[1]) + (xv[2] + xv[3])) + ((xv[4] + xv[5]) + (xv[6] + xv[7]));
            const float keep = g < ngroups ? 1.f : 0.f;
            accA = fmaf(keep, groupDotFast<T>(rowA, gc, xv, xsum), accA);
            if constexpr (kTwo)
                accB = fmaf(keep, groupDotFast<T>(rowB, gc, xv, xsum), accB);
        }
    }
}

// The same with the type chosen at run time (one switch per row, outside the loop); rowB null: one row.
__device__ __forceinline__ void laneRowDotAny(WType t, const u8* rowA, const u8* rowB, int ngroups, const float* x,
                                              int lane, float& accA, float& accB)
{
#define FATHOM_QDOT_CASE(T)                                                    \
    case T:                                                                    \
        if (rowB)                                                              \
            laneRowDot<T, true>(rowA, rowB, ngroups, x, lane, accA, accB);     \
        else                                                                   \
            laneRowDot<T, false>(rowA, nullptr, ngroups, x, lane, accA, accB); \
        break;
    switch (t) {
        FATHOM_QDOT_CASE(WType::F32)
        FATHOM_QDOT_CASE(WType::F16)
        FATHOM_QDOT_CASE(WType::BF16)
        FATHOM_QDOT_CASE(WType::Q8_0)
        FATHOM_QDOT_CASE(WType::Q4_0)
        FATHOM_QDOT_CASE(WType::Q4_1)
        FATHOM_QDOT_CASE(WType::Q5_0)
        FATHOM_QDOT_CASE(WType::Q5_1)
        FATHOM_QDOT_CASE(WType::Q4_K)
        FATHOM_QDOT_CASE(WType::Q5_K)
        FATHOM_QDOT_CASE(WType::Q6_K)
    }
#undef FATHOM_QDOT_CASE
}

}  // namespace fathom::kernels::qblock
