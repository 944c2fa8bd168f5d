// matmul: GEMV for up to kGemvMaxRows rows of x, packed GEMM above. Both are parallel over blocks of
// weight rows, so each thread streams a disjoint part of the weight exactly once per call.
#include "inference/cpu/matmul.h"

#include "inference/cpu/simd.h"
#include "inference/model/quant.h"

#include <algorithm>
#include <vector>

namespace fathom::inference::cpu {

namespace {

constexpr std::int64_t kGemvMaxRows = 4;
constexpr std::int64_t kRowBlock = 16;  // GEMM weight rows per micro-tile: two 8-wide vectors
constexpr std::int64_t kTokTile = 6;    // GEMM x rows per micro-tile: 12 accumulators + 3 temps fit 16 ymm
constexpr std::int64_t kKChunk = 256;   // packed tile 256 x 16 fp32 = 16 KiB, stays in L1

// --- GEMV: each weight row is widened once and dotted with all NT rows of x. ---
template <typename T, int NT>
FATHOM_INLINE void gemvRows(const float* x, std::int64_t xStride, const T* w, std::int64_t cols, std::int64_t r0,
                            std::int64_t r1, float* y, std::int64_t yStride)
{
    const std::int64_t c32 = cols / 32 * 32;
    for (std::int64_t r = r0; r < r1; ++r) {
        const T* row = w + r * cols;
        v8f acc[NT][2] = {};
        for (std::int64_t c = 0; c < c32; c += 32) {
            const v8f w0 = load8(row + c), w1 = load8(row + c + 8);
            const v8f w2 = load8(row + c + 16), w3 = load8(row + c + 24);
            for (int t = 0; t < NT; ++t) {
                const float* xr = x + t * xStride + c;
                acc[t][0] += w0 * load8(xr) + w2 * load8(xr + 16);
                acc[t][1] += w1 * load8(xr + 8) + w3 * load8(xr + 24);
            }
        }
        for (int t = 0; t < NT; ++t) {
            float s = hsum(acc[t][0] + acc[t][1]);
            const float* xr = x + t * xStride;
            for (std::int64_t c = c32; c < cols; ++c)
                s += widen(row[c]) * xr[c];
            y[t * yStride + r] = s;
        }
    }
}

template <typename T>
FATHOM_INLINE void gemvDispatch(const float* x, std::int64_t n, std::int64_t xStride, const T* w, std::int64_t cols,
                                std::int64_t r0, std::int64_t r1, float* y, std::int64_t yStride)
{
    switch (n) {
    case 1: gemvRows<T, 1>(x, xStride, w, cols, r0, r1, y, yStride); break;
    case 2: gemvRows<T, 2>(x, xStride, w, cols, r0, r1, y, yStride); break;
    case 3: gemvRows<T, 3>(x, xStride, w, cols, r0, r1, y, yStride); break;
    default: gemvRows<T, 4>(x, xStride, w, cols, r0, r1, y, yStride); break;
    }
}

FATHOM_SIMD_CLONES void gemvF32(const float* x, std::int64_t n, std::int64_t xs, const float* w, std::int64_t cols,
                                std::int64_t r0, std::int64_t r1, float* y, std::int64_t ys)
{
    gemvDispatch(x, n, xs, w, cols, r0, r1, y, ys);
}
FATHOM_SIMD_CLONES void gemvBf16(const float* x, std::int64_t n, std::int64_t xs, const Bf16* w, std::int64_t cols,
                                 std::int64_t r0, std::int64_t r1, float* y, std::int64_t ys)
{
    gemvDispatch(x, n, xs, w, cols, r0, r1, y, ys);
}
FATHOM_SIMD_CLONES void gemvF16(const float* x, std::int64_t n, std::int64_t xs, const F16* w, std::int64_t cols,
                                std::int64_t r0, std::int64_t r1, float* y, std::int64_t ys)
{
    gemvDispatch(x, n, xs, w, cols, r0, r1, y, ys);
}

// --- GEMM: pack W[rows r0..r0+16, k0..k0+kc] transposed as fp32 [kc][16] (zero rows past the end),
// then for each tile of up to 6 x rows accumulate 6 x 16 outputs with broadcast-FMA. ---
template <typename T>
FATHOM_INLINE void packTile(const T* w, std::int64_t cols, std::int64_t r0, std::int64_t nr, std::int64_t k0,
                            std::int64_t kc, float* packed)
{
    for (std::int64_t i = 0; i < kRowBlock; ++i) {
        if (i < nr) {
            const T* row = w + (r0 + i) * cols + k0;
            for (std::int64_t k = 0; k < kc; ++k)
                packed[k * kRowBlock + i] = widen(row[k]);
        } else {
            for (std::int64_t k = 0; k < kc; ++k)
                packed[k * kRowBlock + i] = 0.0f;
        }
    }
}

template <int NT>
FATHOM_INLINE void microTile(const float* x, std::int64_t xStride, const float* packed, std::int64_t kc,
                             float* y, std::int64_t yStride, std::int64_t nr, bool accumulate)
{
    v8f acc[NT][2] = {};
    for (std::int64_t k = 0; k < kc; ++k) {
        const v8f w0 = load8(packed + k * kRowBlock), w1 = load8(packed + k * kRowBlock + 8);
        for (int t = 0; t < NT; ++t) {
            const float xv = x[t * xStride + k];
            acc[t][0] += xv * w0;
            acc[t][1] += xv * w1;
        }
    }
    for (int t = 0; t < NT; ++t) {
        float* yr = y + t * yStride;
        if (nr == kRowBlock) {
            if (accumulate) {
                acc[t][0] += load8(yr);
                acc[t][1] += load8(yr + 8);
            }
            store8(yr, acc[t][0]);
            store8(yr + 8, acc[t][1]);
        } else {
            for (std::int64_t i = 0; i < nr; ++i) {
                const float v = i < 8 ? acc[t][0][i] : acc[t][1][i - 8];
                yr[i] = accumulate ? yr[i] + v : v;
            }
        }
    }
}

template <typename T>
FATHOM_INLINE void gemmBlock(const float* x, std::int64_t n, std::int64_t xStride, const T* w, std::int64_t cols,
                             std::int64_t r0, std::int64_t nr, float* y, std::int64_t yStride, float* packed)
{
    for (std::int64_t k0 = 0; k0 < cols; k0 += kKChunk) {
        const std::int64_t kc = std::min(kKChunk, cols - k0);
        packTile(w, cols, r0, nr, k0, kc, packed);
        const bool acc = k0 > 0;
        std::int64_t t = 0;
        for (; t + kTokTile <= n; t += kTokTile)
            microTile<kTokTile>(x + t * xStride + k0, xStride, packed, kc, y + t * yStride + r0, yStride, nr, acc);
        const float* xt = x + t * xStride + k0;
        float* yt = y + t * yStride + r0;
        switch (n - t) {
        case 1: microTile<1>(xt, xStride, packed, kc, yt, yStride, nr, acc); break;
        case 2: microTile<2>(xt, xStride, packed, kc, yt, yStride, nr, acc); break;
        case 3: microTile<3>(xt, xStride, packed, kc, yt, yStride, nr, acc); break;
        case 4: microTile<4>(xt, xStride, packed, kc, yt, yStride, nr, acc); break;
        case 5: microTile<5>(xt, xStride, packed, kc, yt, yStride, nr, acc); break;
        default: break;
        }
    }
}

FATHOM_SIMD_CLONES void gemmF32(const float* x, std::int64_t n, std::int64_t xs, const float* w, std::int64_t cols,
                                std::int64_t r0, std::int64_t nr, float* y, std::int64_t ys, float* packed)
{
    gemmBlock(x, n, xs, w, cols, r0, nr, y, ys, packed);
}
FATHOM_SIMD_CLONES void gemmBf16(const float* x, std::int64_t n, std::int64_t xs, const Bf16* w, std::int64_t cols,
                                 std::int64_t r0, std::int64_t nr, float* y, std::int64_t ys, float* packed)
{
    gemmBlock(x, n, xs, w, cols, r0, nr, y, ys, packed);
}
FATHOM_SIMD_CLONES void gemmF16(const float* x, std::int64_t n, std::int64_t xs, const F16* w, std::int64_t cols,
                                std::int64_t r0, std::int64_t nr, float* y, std::int64_t ys, float* packed)
{
    gemmBlock(x, n, xs, w, cols, r0, nr, y, ys, packed);
}

// --- Block-quantized weights (GGUF): a few rows at a time are dequantized exactly into fp32
// scratch (dequantize() lives in a file compiled without FMA contraction, so the values equal
// gguf-py's) and fed to the fp32 kernels: no fp32 copy of the weight ever exists beyond the rows
// a thread is working on. ---
constexpr std::int64_t kQuantGemvRows = 8;

void gemvQuantized(const float* x, std::int64_t n, std::int64_t xStride, const WeightMatrix& w, std::int64_t r0,
                   std::int64_t r1, float* y, std::int64_t yStride, std::vector<float>& rows)
{
    rows.resize(static_cast<std::size_t>(kQuantGemvRows * w.cols));  // fp32 [8, cols]
    const std::size_t rowBytesOf = rowBytes(w.dtype, w.cols);
    for (std::int64_t r = r0; r < r1; r += kQuantGemvRows) {
        const std::int64_t nr = std::min(kQuantGemvRows, r1 - r);
        dequantize(w.dtype, w.data + static_cast<std::size_t>(r) * rowBytesOf, nr * w.cols, rows.data());
        for (std::int64_t t = 0; t < n; t += kGemvMaxRows)
            gemvF32(x + t * xStride, std::min(kGemvMaxRows, n - t), xStride, rows.data(), w.cols, 0, nr,
                    y + t * yStride + r, yStride);
    }
}

void gemmQuantized(const float* x, std::int64_t n, std::int64_t xStride, const WeightMatrix& w, std::int64_t r0,
                   std::int64_t nr, float* y, std::int64_t yStride, std::vector<float>& rows, float* packed)
{
    rows.resize(static_cast<std::size_t>(kRowBlock * w.cols));  // fp32 [16, cols]
    dequantize(w.dtype, w.data + static_cast<std::size_t>(r0) * rowBytes(w.dtype, w.cols), nr * w.cols, rows.data());
    gemmF32(x, n, xStride, rows.data(), w.cols, 0, nr, y + r0, yStride, packed);
}

}  // namespace

void matmul(ThreadPool& pool, const float* x, std::int64_t n, std::int64_t xStride, const WeightMatrix& w, float* y,
            std::int64_t yStride)
{
    if (n <= 0 || w.rows <= 0)
        return;
    const std::int64_t cols = w.cols;
    if (isQuantized(w.dtype)) {
        std::vector<std::vector<float>> rows(static_cast<std::size_t>(pool.size()));
        if (n <= kGemvMaxRows) {
            const std::int64_t grain = std::max<std::int64_t>(kQuantGemvRows, w.rows / (8 * pool.size()));
            pool.parallelFor(w.rows, [&](std::int64_t r0, std::int64_t r1, int slot) {
                gemvQuantized(x, n, xStride, w, r0, r1, y, yStride, rows[static_cast<std::size_t>(slot)]);
            }, grain);
            return;
        }
        const std::int64_t blocks = (w.rows + kRowBlock - 1) / kRowBlock;
        std::vector<std::vector<float>> packed(static_cast<std::size_t>(pool.size()));
        pool.parallelFor(blocks, [&](std::int64_t b0, std::int64_t b1, int slot) {
            std::vector<float>& buf = packed[static_cast<std::size_t>(slot)];
            buf.resize(static_cast<std::size_t>(kKChunk * kRowBlock));
            for (std::int64_t b = b0; b < b1; ++b) {
                const std::int64_t r0 = b * kRowBlock;
                gemmQuantized(x, n, xStride, w, r0, std::min(kRowBlock, w.rows - r0), y, yStride,
                              rows[static_cast<std::size_t>(slot)], buf.data());
            }
        }, 1);
        return;
    }
    if (n <= kGemvMaxRows) {
        // Rows per chunk: enough to amortise a chunk hand-out, small enough to balance threads.
        const std::int64_t grain = std::max<std::int64_t>(8, w.rows / (8 * pool.size()));
        pool.parallelFor(w.rows, [&](std::int64_t r0, std::int64_t r1, int) {
            for (std::int64_t t = 0; t < n; t += kGemvMaxRows) {
                const std::int64_t nt = std::min(kGemvMaxRows, n - t);
                const float* xt = x + t * xStride;
                float* yt = y + t * yStride;
                switch (w.dtype) {
                case DType::F32: gemvF32(xt, nt, xStride, reinterpret_cast<const float*>(w.data), cols, r0, r1, yt, yStride); break;
                case DType::BF16: gemvBf16(xt, nt, xStride, reinterpret_cast<const Bf16*>(w.data), cols, r0, r1, yt, yStride); break;
                case DType::F16: gemvF16(xt, nt, xStride, reinterpret_cast<const F16*>(w.data), cols, r0, r1, yt, yStride); break;
                default: break;  // quantized: handled above
                }
            }
        }, grain);
        return;
    }
    const std::int64_t blocks = (w.rows + kRowBlock - 1) / kRowBlock;
    std::vector<std::vector<float>> packed(static_cast<std::size_t>(pool.size()));
    pool.parallelFor(blocks, [&](std::int64_t b0, std::int64_t b1, int slot) {
        std::vector<float>& buf = packed[static_cast<std::size_t>(slot)];
        buf.resize(static_cast<std::size_t>(kKChunk * kRowBlock));
        for (std::int64_t b = b0; b < b1; ++b) {
            const std::int64_t r0 = b * kRowBlock;
            const std::int64_t nr = std::min(kRowBlock, w.rows - r0);
            switch (w.dtype) {
            case DType::F32: gemmF32(x, n, xStride, reinterpret_cast<const float*>(w.data), cols, r0, nr, y, yStride, buf.data()); break;
            case DType::BF16: gemmBf16(x, n, xStride, reinterpret_cast<const Bf16*>(w.data), cols, r0, nr, y, yStride, buf.data()); break;
            case DType::F16: gemmF16(x, n, xStride, reinterpret_cast<const F16*>(w.data), cols, r0, nr, y, yStride, buf.data()); break;
            default: break;  // quantized: handled above
            }
        }
    }, 1);
}

}  // namespace fathom::inference::cpu
