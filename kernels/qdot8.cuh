// The int8-activation inner loop of the quantized decode kernels (qgemv, qmoe_decode with
// int8_x): x is quantized per 32 elements to int8 with one fp32 scale (llama.cpp mmvq's q8_1 idea),
// and a 32-element block of packed weights is dotted with it in integers, four products per
// __dp4a, with the weight and x scales applied once per block (per 16 elements for Q6_K). A 4-bit
// weight then costs about a quarter of an instruction of dot plus its unpacking, where the fp32 dot
// of kernels/qdot.cuh spends four. The price is x's rounding (≤ amax/254 per element, ~0.5 %
// relative on the dot): the qgemv int8 rows test at 1e-2 relative L2, qmoe_decode (h rounded too) at
// 3e-2. Types: Q8_0, Q5_0, Q4_K, Q6_K
// (a Q4_K_M or Q8_0 file); the others keep the fp32 path. Compiles for the host too (FATHOM_QHD):
// tests/gpu/qblock_host_test.cu pins it against a scalar reference. Included by .cu only.
#pragma once

#include <cmath>

#include "kernels/qdot.cuh"

namespace fathom::kernels::qblock {

// Whether the int8 path covers type T.
constexpr bool int8Capable(WType t)
{
    return t == WType::Q8_0 || t == WType::Q5_0 || t == WType::Q4_K || t == WType::Q6_K;
}

// Σ_k (signed byte k of a) · (signed byte k of b) + c.
FATHOM_QHD int dp4a(int a, int b, int c)
{
#ifdef __CUDA_ARCH__
    return __dp4a(a, b, c);
#else
    for (int k = 0; k < 4; ++k)
        c += static_cast<signed char>((a >> (8 * k)) & 0xff) * static_cast<signed char>((b >> (8 * k)) & 0xff);
    return c;
#endif
}

FATHOM_QHD int roundToInt(float v)
{
#ifdef __CUDA_ARCH__
    return __float2int_rn(v);
#else
    return static_cast<int>(std::nearbyint(v));
#endif
}

// One quantized 32-element block of x: q (32 int8, 4 per word, element 4k+i in byte i of q[k]),
// x ≈ d · q, sum = Σ q (for the Q4_K mins and the Q5_0/Q6_K offsets).
// x[0..31] -> q, d = max|x| / 127, sum. An all-zero block gets d = 0, q = 0.
FATHOM_QHD void quantizeX32(const float x[32], int q[8], float& d, int& sum)
{
    float amax = 0.f;
#pragma unroll
    for (int i = 0; i < 32; ++i)
        amax = fmaxf(amax, fabsf(x[i]));
    d = amax / 127.f;
    const float id = amax > 0.f ? 127.f / amax : 0.f;
    sum = 0;
#pragma unroll
    for (int k = 0; k < 8; ++k) {
        unsigned w = 0;
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            const int v = roundToInt(x[4 * k + i] * id);  // |v| <= 127: x·id <= 127 up to rounding
            sum += v;
            w |= (static_cast<unsigned>(v) & 0xffu) << (8 * i);
        }
        q[k] = static_cast<int>(w);
    }
}

// Dot of 32-element block b of a row (Q8_0/Q5_0: block b; Q4_K/Q6_K: sub-block b & 7 of
// super-block b >> 3) with the quantized x block (q, d, sum). int8Capable types only.
template <WType T>
FATHOM_QHD float blockDot8(const u8* row, int b, const int q[8], float d, int sum)
{
    if constexpr (T == WType::Q8_0) {
        const u8* blk = row + static_cast<std::int64_t>(b) * 34;  // f16 d, int8 qs[32] (2-byte aligned)
        int s = 0;
#pragma unroll
        for (int k = 0; k < 4; ++k) {
            const uint2 w = load8(blk + 2 + 8 * k);
            s = dp4a(static_cast<int>(w.x), q[2 * k], s);
            s = dp4a(static_cast<int>(w.y), q[2 * k + 1], s);
        }
        return halfAt(blk) * d * static_cast<float>(s);
    } else if constexpr (T == WType::Q5_0) {
        // f16 d, u32 fifth bits, 16 bytes of nibbles: element i < 16 the low nibble of byte i,
        // i + 16 its high nibble; weight = d · (v - 16), v = nibble | fifth bit << 4 in 0..31.
        const u8* blk = row + static_cast<std::int64_t>(b) * 22;
        const unsigned qh = load4(blk + 2);
        const uint2 a = load8(blk + 6), c = load8(blk + 14);
        const unsigned w[4] = {a.x, a.y, c.x, c.y};
        int s = 0;
#pragma unroll
        for (int k = 0; k < 4; ++k) {
            const unsigned lo = (w[k] & 0x0f0f0f0fu) | spreadFifthBits((qh >> (4 * k)) & 0xfu);
            const unsigned hi = ((w[k] >> 4) & 0x0f0f0f0fu) | spreadFifthBits((qh >> (16 + 4 * k)) & 0xfu);
            s = dp4a(static_cast<int>(lo), q[k], s);
            s = dp4a(static_cast<int>(hi), q[k + 4], s);
        }
        return halfAt(blk) * d * static_cast<float>(s - 16 * sum);
    } else if constexpr (T == WType::Q4_K) {
        // Sub-block s: weight = d·sc · v - dmin·mn, v the nibbles of bytes 32·(s/2) .. +32
        // (low for even s, high for odd), in element order.
        const u8* blk = row + static_cast<std::int64_t>(b >> 3) * 144;  // 16-byte aligned
        const int sb = b & 7;
        int sc, mn;
        kScaleMin(blk + 4, sb, sc, mn);
        const uint4* qp = reinterpret_cast<const uint4*>(blk + 16 + 32 * (sb >> 1));
        const uint4 q0 = ldro(qp), q1 = ldro(qp + 1);
        const unsigned v[8] = {q0.x, q0.y, q0.z, q0.w, q1.x, q1.y, q1.z, q1.w};
        const unsigned shift = (sb & 1) * 4;
        int s = 0;
#pragma unroll
        for (int k = 0; k < 8; ++k)
            s = dp4a(static_cast<int>((v[k] >> shift) & 0x0f0f0f0fu), q[k], s);
        const float dl = halfAt(blk) * static_cast<float>(sc);
        const float ml = halfAt(blk + 2) * static_cast<float>(mn);
        return d * fmaf(dl, static_cast<float>(s), -ml * static_cast<float>(sum));
    } else {  // Q6_K: 32 elements of one half, two 16-element scales; weight = d·sc · (v - 32)
        const u8* blk = row + static_cast<std::int64_t>(b >> 3) * 210;
        const int e0 = (b & 7) * 32, h = e0 >> 7, j0 = e0 & 127;
        const unsigned ls = 4 * (j0 >> 6), hs = 2 * (j0 >> 5);
        int s0 = 0, s1 = 0, x0 = 0;
#pragma unroll
        for (int k = 0; k < 4; ++k) {
            const uint2 ql = load8(blk + 64 * h + (j0 & 63) + 8 * k);
            const uint2 qh = load8(blk + 128 + 32 * h + 8 * k);
            const unsigned va = ((ql.x >> ls) & 0x0f0f0f0fu) | (((qh.x >> hs) & 0x03030303u) << 4);
            const unsigned vb = ((ql.y >> ls) & 0x0f0f0f0fu) | (((qh.y >> hs) & 0x03030303u) << 4);
            if (k < 2) {
                s0 = dp4a(static_cast<int>(va), q[2 * k], s0);
                s0 = dp4a(static_cast<int>(vb), q[2 * k + 1], s0);
                x0 = dp4a(0x01010101, q[2 * k], x0);
                x0 = dp4a(0x01010101, q[2 * k + 1], x0);
            } else {
                s1 = dp4a(static_cast<int>(va), q[2 * k], s1);
                s1 = dp4a(static_cast<int>(vb), q[2 * k + 1], s1);
            }
        }
        const float dd = halfAt(blk + 208) * d;
        const unsigned char* sc = blk + 192 + 8 * h + (j0 >> 4);
        const float c0 = static_cast<float>(static_cast<signed char>(ldro(sc)));
        const float c1 = static_cast<float>(static_cast<signed char>(ldro(sc + 1)));
        return dd * fmaf(c0, static_cast<float>(s0 - 32 * x0), c1 * static_cast<float>(s1 - 32 * (sum - x0)));
    }
}

// The layout of x quantized once in global memory for the int8 kernels (RmsNormParams::out_q8,
// kernels/quantize_x8, QGemvParams::x_q8, QMoeDecodeParams::x_q8), the same as quantizeToShared's:
// int8 q [n] (block j's 8 words at int index 8j .. 8j+7), then fp32 d [n / 32], then int32 sum
// [n / 32]. n is a multiple of 32; the whole vector takes n / 32 * 40 bytes.
struct Q8View {
    int* q;
    float* d;
    int* sum;
};
FATHOM_QHD Q8View q8View(void* base, int n)
{
    unsigned char* b = static_cast<unsigned char*>(base);
    return {reinterpret_cast<int*>(b), reinterpret_cast<float*>(b + n), reinterpret_cast<int*>(b + n + n / 32 * 4)};
}
constexpr long long q8Bytes(long long n) { return n / 32 * 40; }

#ifdef __CUDACC__
// Quantizes one float4 of x in place of quantizeX32, for kernels where thread i holds float4 i
// (elements 4i .. 4i+3) and so the 8 lanes 8g .. 8g+7 of a warp hold one 32-element block: the
// block's max |x| and Σ q come from shuffles inside that group of 8, and lane 8g + k writes word
// k. Bit for bit quantizeX32's arithmetic. Every lane of an 8-lane group calls it together.
__device__ __forceinline__ void quantizeWord(float4 v, int i, Q8View out)
{
    const unsigned group = 0xffu << (threadIdx.x & 24);
    float amax = fmaxf(fmaxf(fabsf(v.x), fabsf(v.y)), fmaxf(fabsf(v.z), fabsf(v.w)));
    amax = fmaxf(amax, __shfl_xor_sync(group, amax, 4));
    amax = fmaxf(amax, __shfl_xor_sync(group, amax, 2));
    amax = fmaxf(amax, __shfl_xor_sync(group, amax, 1));
    const float id = amax > 0.f ? 127.f / amax : 0.f;
    const int a = roundToInt(v.x * id), b = roundToInt(v.y * id), c = roundToInt(v.z * id), e = roundToInt(v.w * id);
    out.q[i] = static_cast<int>((static_cast<unsigned>(a) & 0xffu) | ((static_cast<unsigned>(b) & 0xffu) << 8) |
                                ((static_cast<unsigned>(c) & 0xffu) << 16) | (static_cast<unsigned>(e) << 24));
    int sum = a + b + c + e;
    sum += __shfl_xor_sync(group, sum, 4);
    sum += __shfl_xor_sync(group, sum, 2);
    sum += __shfl_xor_sync(group, sum, 1);
    if ((i & 7) == 0) {
        out.d[i >> 3] = amax / 127.f;
        out.sum[i >> 3] = sum;
    }
}
#endif

#ifdef __CUDACC__
// x (fp32 [32 · nblocks], 16-byte aligned, global or shared) quantized into shared memory by the
// whole thread block, one 32-element block per thread at a time: xq int4 [2 · nblocks] (the 8
// words of block j at 2j, 2j + 1), xd fp32 [nblocks], xs int32 [nblocks]. `load(j, v)` fills the 32
// floats of block j (so a caller can apply SwiGLU on the way). The caller synchronizes after.
template <typename Load>
__device__ __forceinline__ void quantizeToShared(int nblocks, Load load, int4* xq, float* xd, int* xs)
{
    for (int j = threadIdx.x; j < nblocks; j += blockDim.x) {
        float v[32];
        load(j, v);
        int q[8], sum;
        float d;
        quantizeX32(v, q, d, sum);
        xq[2 * j] = make_int4(q[0], q[1], q[2], q[3]);
        xq[2 * j + 1] = make_int4(q[4], q[5], q[6], q[7]);
        xd[j] = d;
        xs[j] = sum;
    }
}

// One lane's share of the dot of a row of nblocks 32-element blocks with x quantized in shared
// memory (quantizeToShared's layout); lanes take blocks lane, lane + 32, ... With kTwo, rowB
// (same type and length) shares each x read. U blocks per row and lane in flight: 2 keeps
// qmoe_decode inside its 128 registers without spills (3 on one row spills); a block is 32
// weights, so that is as many bytes in flight as qdot.cuh's 4 to 6 8-element groups. Past the
// end a lane re-reads the last block and drops it.
template <WType T, bool kTwo, int U = 2>
__device__ __forceinline__ void laneRowDot8(const u8* rowA, const u8* rowB, int nblocks, const int4* xq,
                                            const float* xd, const int* xs, int lane, float& accA, float& accB)
{
    for (int b0 = lane; b0 < nblocks; b0 += 32 * U) {
#pragma unroll
        for (int u = 0; u < U; ++u) {
            const int b = b0 + 32 * u;
            const int bc = b < nblocks ? b : nblocks - 1;
            const int4 qa = xq[2 * bc], qb = xq[2 * bc + 1];
            const int q[8] = {qa.x, qa.y, qa.z, qa.w, qb.x, qb.y, qb.z, qb.w};
            const float d = b < nblocks ? xd[bc] : 0.f;
            const int s = xs[bc];
            accA += blockDot8<T>(rowA, bc, q, d, s);
            if constexpr (kTwo)
                accB += blockDot8<T>(rowB, bc, q, d, s);
        }
    }
}

// qmoe_decode's gate/up rows with x in registers: a lane holds the NB quantized x blocks lane,
// lane + 32, ... (hidden = 32 · 32 · NB) and dots them with R gate rows and R up rows at once,
// every loop unrolled, so the lane issues 2 · R · NB block loads before it needs the first. Rows
// past rowEnd re-read the last valid row (dropped by the caller).
template <WType T, int R, int NB>
__device__ __forceinline__ void laneGateUp8(const u8* gate, const u8* up, long long gateRb, long long upRb, long long row0,
                                            long long rowLast, const int (&xq)[NB][8], const float (&xd)[NB],
                                            const int (&xs)[NB], int lane, float (&sg)[R], float (&su)[R])
{
#pragma unroll
    for (int k = 0; k < NB; ++k) {
        const int j = lane + 32 * k;
#pragma unroll
        for (int r = 0; r < R; ++r) {
            const long long row = row0 + r < rowLast ? row0 + r : rowLast;
            sg[r] += blockDot8<T>(gate + row * gateRb, j, xq[k], xd[k], xs[k]);
            su[r] += blockDot8<T>(up + row * upRb, j, xq[k], xd[k], xs[k]);
        }
    }
}

// qmoe_decode's down row over several slots at once: slot s of nslots reads row
// rowOf(s) = base + (ids[s] · rowsPerSlot + o) · rowBytes (ids null: slot s is expert 0) against
// h's blocks s · bps .. in shared memory. The (slot, block) pairs are flattened, so a lane takes
// pairs lane, lane + 32, ... across slot boundaries, 4 in flight: 7 slots of 44 blocks keep every
// lane busy instead of 12 of 32 lanes per slot.
template <WType T>
__device__ __forceinline__ float laneSlotsDot8(const u8* base, long long rowBytes, const int* ids, int nslots,
                                               long long rowsPerSlot, int o, int bps, const int4* hq, const float* hd,
                                               const int* hs, int lane)
{
    const int total = nslots * bps;
    float acc = 0.f;
    for (int f0 = lane; f0 < total; f0 += 32 * 4) {
#pragma unroll
        for (int u = 0; u < 4; ++u) {
            const int f = f0 + 32 * u;
            const int fc = f < total ? f : total - 1;
            const int slot = fc / bps, b = fc - slot * bps;
            const long long e = ids ? ids[slot] : 0;
            const u8* row = base + (e * rowsPerSlot + o) * rowBytes;
            const int4 qa = hq[2 * fc], qb = hq[2 * fc + 1];
            const int q[8] = {qa.x, qa.y, qa.z, qa.w, qb.x, qb.y, qb.z, qb.w};
            acc += blockDot8<T>(row, b, q, f < total ? hd[fc] : 0.f, hs[fc]);
        }
    }
    return acc;
}

// The same with the type chosen at run time; int8Capable types only (the launchers check).
__device__ __forceinline__ float laneSlotsDot8Any(WType t, const u8* base, long long rowBytes, const int* ids, int nslots,
                                                  long long rowsPerSlot, int o, int bps, const int4* hq, const float* hd,
                                                  const int* hs, int lane)
{
    switch (t) {
    case WType::Q8_0: return laneSlotsDot8<WType::Q8_0>(base, rowBytes, ids, nslots, rowsPerSlot, o, bps, hq, hd, hs, lane);
    case WType::Q5_0: return laneSlotsDot8<WType::Q5_0>(base, rowBytes, ids, nslots, rowsPerSlot, o, bps, hq, hd, hs, lane);
    case WType::Q4_K: return laneSlotsDot8<WType::Q4_K>(base, rowBytes, ids, nslots, rowsPerSlot, o, bps, hq, hd, hs, lane);
    case WType::Q6_K: return laneSlotsDot8<WType::Q6_K>(base, rowBytes, ids, nslots, rowsPerSlot, o, bps, hq, hd, hs, lane);
    default: return 0.f;
    }
}

// The same with the type chosen at run time; int8Capable types only (the launchers check).
__device__ __forceinline__ void laneRowDot8Any(WType t, const u8* rowA, const u8* rowB, int nblocks, const int4* xq,
                                               const float* xd, const int* xs, int lane, float& accA, float& accB)
{
#define FATHOM_QDOT8_CASE(T)                                                             \
    case T:                                                                              \
        if (rowB)                                                                        \
            laneRowDot8<T, true>(rowA, rowB, nblocks, xq, xd, xs, lane, accA, accB);     \
        else                                                                             \
            laneRowDot8<T, false>(rowA, nullptr, nblocks, xq, xd, xs, lane, accA, accB); \
        break;
    switch (t) {
        FATHOM_QDOT8_CASE(WType::Q8_0)
        FATHOM_QDOT8_CASE(WType::Q5_0)
        FATHOM_QDOT8_CASE(WType::Q4_K)
        FATHOM_QDOT8_CASE(WType::Q6_K)
    default: break;
    }
#undef FATHOM_QDOT8_CASE
}
#endif

}  // namespace fathom::kernels::qblock
