// Device-side dequantization of GGUF-packed rows, shared by the quantized decode kernels (qgemv,
// qembedding, qmoe_decode): any QMatrix row is read as "groups" of 8 consecutive elements, and a
// group is dequantized in registers straight from the packed bytes. Every weight is computed with
// the same float operations, in the same order, as the CPU twin (inference/model/quant_*.cpp),
// with explicit _rn intrinsics so nvcc cannot fuse them into an FMA: the dequantized weights equal
// the twin's bit for bit, and only the dot products' summation order differs.
// The scalar pieces (loads, rounded ops, f16 widening, K-quant scales) are qblock_core.cuh's, which
// the prefill side's decoders (qblocks.cuh) share. dequantGroup and groupDot also compile for the
// host (FATHOM_QHD), so a CPU test (tests/gpu/qblock_host_test.cu) pins the bit twiddling against
// the twins without a GPU. Included by .cu files only.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/common.cuh"
#include "kernels/qblock_core.cuh"
#include "kernels/qmatrix.cuh"

namespace fathom::kernels::qblock {

// Dequantizes group g (elements 8g .. 8g+7) of the row starting at `row` into w.
template <WType T>
FATHOM_QHD void dequantGroup(const u8* row, int g, float w[8])
{
    if constexpr (T == WType::F32) {
        const float4* p = reinterpret_cast<const float4*>(row) + 2 * g;
        f32x8ToFloats(ldro(p), ldro(p + 1), w);
    } else if constexpr (T == WType::BF16) {
        bf16x8ToFloats(ldro(reinterpret_cast<const uint4*>(row) + g), w);  // exact
    } else if constexpr (T == WType::F16) {
        f16x8ToFloats(ldro(reinterpret_cast<const uint4*>(row) + g), w);  // exact
    } else if constexpr (T == WType::Q8_0) {
        // 34 bytes: f16 d, int8 q[32]; w = q * d.
        const u8* b = row + static_cast<std::int64_t>(g >> 2) * 34;
        const float d = halfAt(b);
        const uint2 q = load8(b + 2 + 8 * (g & 3));
#pragma unroll
        for (int i = 0; i < 8; ++i)
            w[i] = mulRn(static_cast<float>(static_cast<signed char>(byteOf(q, i))), d);
    } else if constexpr (T == WType::Q4_0 || T == WType::Q4_1) {
        // 18 / 20 bytes: f16 d (, f16 m), 16 bytes of nibbles: element i < 16 low nibble of byte i,
        // element i + 16 its high nibble. Groups 0, 1 take low nibbles of bytes 0-7, 8-15; 2, 3 high.
        constexpr int kBytes = T == WType::Q4_0 ? 18 : 20, kQs = T == WType::Q4_0 ? 2 : 4;
        const u8* b = row + static_cast<std::int64_t>(g >> 2) * kBytes;
        const int j = g & 3;
        const float d = halfAt(b);
        const uint2 q = load8(b + kQs + 8 * (j & 1));
        const int shift = (j >> 1) * 4;
        if constexpr (T == WType::Q4_0) {
#pragma unroll
            for (int i = 0; i < 8; ++i)
                w[i] = mulRn(d, static_cast<float>(((byteOf(q, i) >> shift) & 0x0f) - 8));
        } else {
            const float m = halfAt(b + 2);
#pragma unroll
            for (int i = 0; i < 8; ++i)
                w[i] = addRn(mulRn(d, static_cast<float>((byteOf(q, i) >> shift) & 0x0f)), m);
        }
    } else if constexpr (T == WType::Q5_0 || T == WType::Q5_1) {
        // 22 / 24 bytes: f16 d (, f16 m), u32 fifth bits (bit e for element e), 16 bytes of nibbles
        // laid out as Q4_0's.
        constexpr int kBytes = T == WType::Q5_0 ? 22 : 24, kQh = T == WType::Q5_0 ? 2 : 4;
        const u8* b = row + static_cast<std::int64_t>(g >> 2) * kBytes;
        const int j = g & 3;
        const float d = halfAt(b);
        const unsigned qh = load4(b + kQh) >> (8 * j);
        const uint2 q = load8(b + kQh + 4 + 8 * (j & 1));
        const int shift = (j >> 1) * 4;
        if constexpr (T == WType::Q5_0) {
#pragma unroll
            for (int i = 0; i < 8; ++i) {
                const int v = ((byteOf(q, i) >> shift) & 0x0f) | static_cast<int>(((qh >> i) & 1u) << 4);
                w[i] = mulRn(d, static_cast<float>(v - 16));
            }
        } else {
            const float m = halfAt(b + 2);
#pragma unroll
            for (int i = 0; i < 8; ++i) {
                const int v = ((byteOf(q, i) >> shift) & 0x0f) | static_cast<int>(((qh >> i) & 1u) << 4);
                w[i] = addRn(mulRn(d, static_cast<float>(v)), m);
            }
        }
    } else if constexpr (T == WType::Q4_K || T == WType::Q5_K) {
        // 144 / 176 bytes (multiples of 16, so every field is aligned): f16 d, f16 dmin, 12 bytes
        // of 6-bit scales/mins, (Q5_K: 32 bytes of fifth bits,) 128 bytes of nibbles. Sub-block s
        // (32 elements) reads bytes 32*(s/2) .. +32, low nibbles for even s, high for odd.
        constexpr int kBytes = T == WType::Q4_K ? 144 : 176, kQs = T == WType::Q4_K ? 16 : 48;
        const u8* b = row + static_cast<std::int64_t>(g >> 5) * kBytes;
        const int gi = g & 31, s = gi >> 2, l0 = (gi & 3) * 8;
        const float d = halfAt(b), dmin = halfAt(b + 2);
        int sc, mn;
        kScaleMin(b + 4, s, sc, mn);
        const float dl = mulRn(d, static_cast<float>(sc));
        const float ml = mulRn(dmin, static_cast<float>(mn));
        const uint2 q = ldro(reinterpret_cast<const uint2*>(b + kQs + 32 * (s >> 1) + l0));
        const int shift = (s & 1) * 4;
        if constexpr (T == WType::Q4_K) {
#pragma unroll
            for (int i = 0; i < 8; ++i)
                w[i] = subRn(mulRn(dl, static_cast<float>((byteOf(q, i) >> shift) & 0x0f)), ml);
        } else {
            const uint2 qh = ldro(reinterpret_cast<const uint2*>(b + 16 + l0));
#pragma unroll
            for (int i = 0; i < 8; ++i) {
                const int v = ((byteOf(q, i) >> shift) & 0x0f) | (((byteOf(qh, i) >> s) & 1) << 4);
                w[i] = subRn(mulRn(dl, static_cast<float>(v)), ml);
            }
        }
    } else if constexpr (T == WType::Q6_K) {
        // 210 bytes (2-byte aligned): ql[128], qh[64], int8 scales[16], f16 d. Element j of half h
        // takes its low 4 bits from ql[64h + j%64] (shift 4*(j/64)) and its top 2 bits from
        // qh[32h + j%32] (shift 2*(j/32)); scale sc[8h + j/16].
        const u8* b = row + static_cast<std::int64_t>(g >> 5) * 210;
        const int e0 = (g & 31) * 8, h = e0 >> 7, j0 = e0 & 127;
        const uint2 lo = load8(b + 64 * h + (j0 & 63));
        const uint2 hi = load8(b + 128 + 32 * h + (j0 & 31));
        const int sc = static_cast<signed char>(ldro(reinterpret_cast<const unsigned char*>(b + 192 + 8 * h + (j0 >> 4))));
        const float scale = mulRn(halfAt(b + 208), static_cast<float>(sc));
        const int ls = 4 * (j0 >> 6), hs = 2 * ((j0 >> 5) & 3);
#pragma unroll
        for (int i = 0; i < 8; ++i) {
            const int v = ((byteOf(lo, i) >> ls) & 0x0f) | (((byteOf(hi, i) >> hs) & 3) << 4);
            w[i] = mulRn(scale, static_cast<float>(v - 32));
        }
    }
}

// Dot of group g of a row with 8 fp32 activations.
template <WType T>
FATHOM_QHD float groupDot(const u8* row, int g, const float x[8])
{
    float w[8];
    dequantGroup<T>(row, g, w);
    float s = w[0] * x[0];
#pragma unroll
    for (int i = 1; i < 8; ++i)
        s = fmaf(w[i], x[i], s);
    return s;
}

}  // namespace fathom::kernels::qblock
