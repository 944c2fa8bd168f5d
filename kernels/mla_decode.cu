// Absorbed-MLA decode on tensor cores. A CTA of 4 warps takes 16 heads and a run of 32-token tiles;
// tiles stream through shared memory with cp.async (2 stages) while mma.sync m16n8k16 computes
// S = Q[16x576] K^T (each warp 8 tokens) and O[16x512] += P V (each warp 128 latent columns).
// Online softmax keeps (max, sum) per head; a second kernel combines the splits.
#include "kernels/mla_decode.cuh"

#include "kernels/common.cuh"

#include <algorithm>

namespace fathom::kernels {

namespace {
constexpr int kLatent = 512;
constexpr int kRope = 64;
constexpr int kWidth = kLatent + kRope;  // 576 values per cached token
constexpr int kPage = 64;
constexpr int kTile = 32;                // tokens per pipeline stage: half a page
constexpr int kHeads = 16;               // heads per CTA = the mma's M
constexpr int kThreads = 128;
constexpr int kRow = kWidth + 8;         // padded smem row: 1168 B, rows start 4 banks apart
constexpr int kSRow = kTile + 1;
constexpr int kPRow = kTile + 8;         // 80-byte rows keep ldmatrix conflict-free
constexpr int kSmemBytes = (kHeads * kRow + 2 * kTile * kRow + kHeads * kPRow) * 2 + (kHeads * kSRow + kHeads) * 4;
constexpr float kLog2e = 1.4426950408889634f;
constexpr int kMinTilesPerSplit = 2;
}  // namespace

static __device__ __forceinline__ unsigned smemAddr(const void* p)
{
    return static_cast<unsigned>(__cvta_generic_to_shared(p));
}

static __device__ __forceinline__ void cpAsync16(void* dst, const void* src, bool valid)
{
    // src-size 0 zero-fills: tokens past the context must be 0, not stale bytes (0 x NaN = NaN).
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(smemAddr(dst)), "l"(src), "r"(valid ? 16 : 0));
}

static __device__ __forceinline__ void ldmatrixX4(unsigned* r, const void* p)
{
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(smemAddr(p)));
}

static __device__ __forceinline__ void ldmatrixX4Trans(unsigned* r, const void* p)
{
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(smemAddr(p)));
}

static __device__ __forceinline__ void mma16816(float* c, const unsigned* a, unsigned b0, unsigned b1)
{
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
                 "{%0,%1,%2,%3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// Tiles of the context and how they are dealt to splits; the combine kernel repeats this.
struct SplitPlan {
    int ctx, tilesPerSplit, activeSplits;
};
static __device__ __forceinline__ SplitPlan planSplits(const MlaDecodeParams& p)
{
    int ctx = *p.last_position + 1;
    ctx = max(1, min(ctx, p.max_blocks * kPage));
    const int tiles = (ctx + kTile - 1) / kTile;
    // At least kMinTilesPerSplit tiles a split: measured on the H200 at ctx 4096, 2 tiles a split
    // (64 CTAs) ran in 10.7 us and 1 tile (128 CTAs, twice the partials) in 11.3 us.
    const int tps = max((tiles + p.num_splits - 1) / p.num_splits, min(tiles, kMinTilesPerSplit));
    return {ctx, tps, (tiles + tps - 1) / tps};
}

static __global__ void __launch_bounds__(kThreads) mlaDecodeSplitKernel(MlaDecodeParams p)
{
    gridDependencyBegin();  // programmatic dependent launch: kernels/common.cuh
    const SplitPlan plan = planSplits(p);
    const int split = blockIdx.x;
    if (split >= plan.activeSplits)
        return;
    const int tileBegin = split * plan.tilesPerSplit;
    const int tileEnd = min(tileBegin + plan.tilesPerSplit, (plan.ctx + kTile - 1) / kTile);
    const int nTiles = tileEnd - tileBegin;
    const int head0 = blockIdx.y * kHeads;

    extern __shared__ __align__(16) unsigned char smem[];
    __nv_bfloat16* sQ = reinterpret_cast<__nv_bfloat16*>(smem);     // [16][kRow]
    __nv_bfloat16* sKV = sQ + kHeads * kRow;                          // [2][kTile][kRow]
    __nv_bfloat16* sP = sKV + 2 * kTile * kRow;                       // [16][kPRow]
    float* sS = reinterpret_cast<float*>(sP + kHeads * kPRow);        // [16][kSRow]
    float* sCorr = sS + kHeads * kSRow;                               // [16]

    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
    const __nv_bfloat16* cache = static_cast<const __nv_bfloat16*>(p.cache);

    auto issueTile = [&](int tile, int stage) {
        const int tok0 = tile * kTile;
        const __nv_bfloat16* src = cache + (static_cast<std::int64_t>(p.block_table[tok0 / kPage]) * kPage + tok0 % kPage) * kWidth;
        __nv_bfloat16* dst = sKV + stage * kTile * kRow;
        // Vector v = tid + 128k of the tile's 32 x 72 16-byte vectors, walked without a division
        // per step (128 = 72 + 56: one row and 56 vectors on); the divisions cost more than the copies.
        constexpr int kVecPerRow = kWidth / 8;
        static_assert(kTile * kVecPerRow % kThreads == 0 && kThreads > kVecPerRow, "tile walk assumes whole rounds");
        int r = tid / kVecPerRow, c = tid % kVecPerRow;
#pragma unroll 3
        for (int k = 0; k < kTile * kVecPerRow / kThreads; ++k) {
            cpAsync16(dst + r * kRow + c * 8, src + r * kWidth + c * 8, tok0 + r < plan.ctx);
            r += 1;
            c += kThreads - kVecPerRow;
            if (c >= kVecPerRow) {
                c -= kVecPerRow;
                r += 1;
            }
        }
    };

    issueTile(tileBegin, 0);
    asm volatile("cp.async.commit_group;\n" ::);
    if (nTiles > 1)
        issueTile(tileBegin + 1, 1);
    asm volatile("cp.async.commit_group;\n" ::);

    // q: the absorbed nope part as is, the rope part rotated to this token's position.
    {
        const uint4* qa = reinterpret_cast<const uint4*>(static_cast<const __nv_bfloat16*>(p.q_abs) + head0 * kLatent);
        for (int v = tid; v < kHeads * kLatent / 8; v += kThreads) {
            const int h = v / (kLatent / 8), c = (v % (kLatent / 8)) * 8;
            *reinterpret_cast<uint4*>(sQ + h * kRow + c) = qa[v];
        }
        const int pos = *p.last_position;
        for (int v = tid; v < kHeads * kRope / 2; v += kThreads) {
            const int h = v / (kRope / 2), j = v % (kRope / 2);
            const float* x = p.q_pe + (head0 + h) * p.q_pe_head_stride + 2 * j;
            float y0 = __int_as_float(0x7fc00000), y1 = y0;
            if (pos >= 0 && pos < p.max_position)
                ropePair(x[0], x[1], p.cos[static_cast<std::int64_t>(pos) * (kRope / 2) + j],
                         p.sin[static_cast<std::int64_t>(pos) * (kRope / 2) + j], y0, y1);
            *reinterpret_cast<__nv_bfloat162*>(sQ + h * kRow + kLatent + 2 * j) = __floats2bfloat162_rn(y0, y1);
        }
    }

    const int g = lane >> 2, tig = lane & 3;
    const float scaleLog2 = p.scale * kLog2e;
    float o[16][4];
#pragma unroll
    for (int i = 0; i < 16; ++i)
        o[i][0] = o[i][1] = o[i][2] = o[i][3] = 0.f;
    float mRun = -INFINITY, lRun = 0.f;  // meaningful in threads with tid % 8 == 0, for head tid / 8

    for (int i = 0; i < nTiles; ++i) {
        asm volatile("cp.async.wait_group 1;\n" ::);
        __syncthreads();
        const __nv_bfloat16* kv = sKV + (i & 1) * kTile * kRow;
        const int tok0 = (tileBegin + i) * kTile;

        // Scores: warp w covers tokens 8w..8w+7 of the tile, all 16 heads, k = 576 in steps of 32.
        // Two accumulators: each mma waits on the previous one into the same registers, so two
        // independent chains halve the latency of the 36-step product.
        float c[4] = {0.f, 0.f, 0.f, 0.f}, c2[4] = {0.f, 0.f, 0.f, 0.f};
#pragma unroll 6
        for (int k = 0; k < kWidth; k += 32) {
            unsigned a0[4], a1[4], b[4];
            ldmatrixX4(a0, sQ + (lane & 15) * kRow + k + (lane >> 4) * 8);
            ldmatrixX4(a1, sQ + (lane & 15) * kRow + k + 16 + (lane >> 4) * 8);
            ldmatrixX4(b, kv + (warp * 8 + (lane & 7)) * kRow + k + (lane >> 3) * 8);
            mma16816(c, a0, b[0], b[1]);
            mma16816(c2, a1, b[2], b[3]);
        }
#pragma unroll
        for (int j = 0; j < 4; ++j)
            c[j] += c2[j];
        {
            const int t = warp * 8 + tig * 2;
            const bool v0 = tok0 + t < plan.ctx, v1 = tok0 + t + 1 < plan.ctx;
            sS[g * kSRow + t] = v0 ? c[0] * scaleLog2 : -INFINITY;
            sS[g * kSRow + t + 1] = v1 ? c[1] * scaleLog2 : -INFINITY;
            sS[(g + 8) * kSRow + t] = v0 ? c[2] * scaleLog2 : -INFINITY;
            sS[(g + 8) * kSRow + t + 1] = v1 ? c[3] * scaleLog2 : -INFINITY;
        }
        __syncthreads();

        // Online softmax: 8 threads per head, 4 tokens each.
        {
            const int h = tid >> 3, part = tid & 7;
            float s[4], mx = -INFINITY;
#pragma unroll
            for (int j = 0; j < 4; ++j) {
                s[j] = sS[h * kSRow + part * 4 + j];
                mx = fmaxf(mx, s[j]);
            }
            mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
            mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
            mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 4));
            const float mNew = fmaxf(mRun, mx);  // finite: every tile has a valid first token
            float sum = 0.f;
#pragma unroll
            for (int j = 0; j < 4; ++j) {
                const float e = exp2f(s[j] - mNew);
                sum += e;
                sP[h * kPRow + part * 4 + j] = __float2bfloat16(e);
            }
            sum += __shfl_xor_sync(0xffffffffu, sum, 1);
            sum += __shfl_xor_sync(0xffffffffu, sum, 2);
            sum += __shfl_xor_sync(0xffffffffu, sum, 4);
            const float corr = exp2f(mRun - mNew);
            lRun = lRun * corr + sum;
            mRun = mNew;
            if (part == 0)
                sCorr[h] = corr;
        }
        __syncthreads();

        // O = O * corr + P V: warp w owns latent columns 128w..128w+127 (16 n-tiles of 8).
        {
            const float c0 = sCorr[g], c1 = sCorr[g + 8];
#pragma unroll
            for (int n = 0; n < 16; ++n) {
                o[n][0] *= c0;
                o[n][1] *= c0;
                o[n][2] *= c1;
                o[n][3] *= c1;
            }
#pragma unroll
            for (int ks = 0; ks < kTile; ks += 16) {
                unsigned a[4];
                ldmatrixX4(a, sP + (lane & 15) * kPRow + ks + (lane >> 4) * 8);
#pragma unroll
                for (int np = 0; np < 8; ++np) {
                    const int n0 = warp * 128 + np * 16;
                    unsigned b[4];
                    const int mi = lane >> 3;
                    ldmatrixX4Trans(b, kv + (ks + (mi & 1) * 8 + (lane & 7)) * kRow + n0 + (mi >> 1) * 8);
                    mma16816(o[2 * np], a, b[0], b[1]);
                    mma16816(o[2 * np + 1], a, b[2], b[3]);
                }
            }
        }
        __syncthreads();  // the stage is free again
        if (i + 2 < nTiles)
            issueTile(tileBegin + i + 2, i & 1);
        asm volatile("cp.async.commit_group;\n" ::);
    }
    asm volatile("cp.async.wait_group 0;\n" ::);

    float* po = p.partial_o + (static_cast<std::int64_t>(split) * p.num_heads + head0) * kLatent;
#pragma unroll
    for (int n = 0; n < 16; ++n) {
        const int col = warp * 128 + n * 8 + tig * 2;
        *reinterpret_cast<float2*>(po + g * kLatent + col) = make_float2(o[n][0], o[n][1]);
        *reinterpret_cast<float2*>(po + (g + 8) * kLatent + col) = make_float2(o[n][2], o[n][3]);
    }
    if ((tid & 7) == 0) {
        float* ml = p.partial_ml + (static_cast<std::int64_t>(split) * p.num_heads + head0 + (tid >> 3)) * 2;
        ml[0] = mRun;
        ml[1] = lRun;
    }
}

// out[h][c] = sum_s 2^(m_s - M) O_s[h][c] / sum_s 2^(m_s - M) l_s over the active splits. Four blocks
// per head: each computes the split weights into shared memory, then streams its 128 columns of
// every split with independent loads (a serial loop over splits was latency-bound).
static __global__ void __launch_bounds__(128) mlaDecodeCombineKernel(MlaDecodeParams p)
{
    gridDependencyBegin();  // programmatic dependent launch: kernels/common.cuh
    extern __shared__ float sw[];  // [num_splits] weights 2^(m_s - M)
    __shared__ float scratch[32];
    const SplitPlan plan = planSplits(p);
    const int h = blockIdx.x, tid = threadIdx.x;
    const int S = plan.activeSplits;
    float mMax = -INFINITY;
    for (int s = tid; s < S; s += blockDim.x) {
        sw[s] = p.partial_ml[(static_cast<std::int64_t>(s) * p.num_heads + h) * 2];
        mMax = fmaxf(mMax, sw[s]);
    }
    mMax = warpMax(mMax);
    if ((tid & 31) == 0)
        scratch[tid >> 5] = mMax;
    __syncthreads();
    mMax = fmaxf(fmaxf(scratch[0], scratch[1]), fmaxf(scratch[2], scratch[3]));
    float l = 0.f;
    for (int s = tid; s < S; s += blockDim.x) {
        const float w = exp2f(sw[s] - mMax);
        sw[s] = w;
        l += w * p.partial_ml[(static_cast<std::int64_t>(s) * p.num_heads + h) * 2 + 1];
    }
    l = blockSum(l, scratch);  // its barriers also publish sw[]
    const float inv = 1.f / l;
    // Block (h, q) owns latent columns [128q, 128q+128) as 32 float4s; its 4 warps take every
    // 4th split each (4x the loads in flight of one warp per column), then add up in smem.
    __shared__ float4 red[4][32];
    const int warp = tid >> 5, lane = tid & 31;
    float4 acc = make_float4(0.f, 0.f, 0.f, 0.f);
    const float4* po = reinterpret_cast<const float4*>(p.partial_o + static_cast<std::int64_t>(h) * kLatent) +
                       blockIdx.y * 32 + lane;
    const std::int64_t splitStride = static_cast<std::int64_t>(p.num_heads) * kLatent / 4;
#pragma unroll 4
    for (int s = warp; s < S; s += 4) {
        const float4 v = po[s * splitStride];
        const float w = sw[s];
        acc.x += w * v.x;
        acc.y += w * v.y;
        acc.z += w * v.z;
        acc.w += w * v.w;
    }
    red[warp][lane] = acc;
    __syncthreads();
    if (warp == 0) {
#pragma unroll
        for (int k = 1; k < 4; ++k) {
            acc.x += red[k][lane].x;
            acc.y += red[k][lane].y;
            acc.z += red[k][lane].z;
            acc.w += red[k][lane].w;
        }
        reinterpret_cast<float4*>(p.out + static_cast<std::int64_t>(h) * kLatent)[blockIdx.y * 32 + lane] =
            make_float4(acc.x * inv, acc.y * inv, acc.z * inv, acc.w * inv);
    }
}

int mlaDecodeSplits(int max_context)
{
    int dev = 0, sms = 132;
    if (cudaGetDevice(&dev) == cudaSuccess)
        cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev);
    // Two CTAs fit an SM (97 KB of shared memory each); more splits than tiles would idle.
    const int tiles = (std::max(max_context, 1) + kTile - 1) / kTile;
    return std::max(1, std::min(2 * sms, (tiles + kMinTilesPerSplit - 1) / kMinTilesPerSplit));
}

void launchMlaDecode(const MlaDecodeParams& p, cudaStream_t stream)
{
    const char* op = "mla_decode";
    require(p.q_abs && p.q_pe && p.cos && p.sin && p.cache && p.block_table && p.last_position, op, "null pointer");
    require(p.partial_o && p.partial_ml && p.out, op, "null workspace or output");
    require(p.num_heads > 0 && p.num_heads % kHeads == 0, op, "num_heads must be a positive multiple of 16");
    require(p.num_splits > 0 && p.num_splits <= 4096, op, "num_splits must be in 1..4096");
    require(p.max_blocks > 0 && p.max_position > 0, op, "max_blocks and max_position must be positive");
    require(aligned16(p.q_abs) && aligned16(p.cache), op, "q_abs and cache must be 16-byte aligned");
    static bool attributeSet = false;  // first call is a warm-up, before any graph capture
    if (!attributeSet) {
        allowSharedMemory(mlaDecodeSplitKernel, kSmemBytes, op);
        attributeSet = true;
    }
    launchOverlapped(mlaDecodeSplitKernel, dim3(p.num_splits, p.num_heads / kHeads), dim3(kThreads), kSmemBytes, stream, p);
    launchOverlapped(mlaDecodeCombineKernel, dim3(p.num_heads, kLatent / 128), dim3(128), p.num_splits * sizeof(float), stream, p);
    checkLaunch(op);
}

}  // namespace fathom::kernels
