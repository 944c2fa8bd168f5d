// bf16 GEMV: each warp owns R rows and streams them with 16-byte non-caching loads, 8 loads in
// flight per lane; x is staged once per block in shared memory as fp32 (split into two float4
// planes so a warp's reads are conflict-free). R grows with the row count to amortise x reads.
#include "kernels/gemv.cuh"

#include "kernels/common.cuh"

#include <algorithm>

namespace fathom::kernels {

namespace {
constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
constexpr int kMaxCols = 48 * 1024;  // 192 KB of fp32 x in shared memory
}  // namespace

static __device__ __forceinline__ uint4 loadStreaming(const uint4* p)
{
    uint4 v;
    asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0,%1,%2,%3}, [%4];"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                 : "l"(p));
    return v;
}

static __device__ __forceinline__ float dot8(const uint4& wv, const float4& xa, const float4& xb)
{
    float w[8];
    bf16x8ToFloat(wv, w);
    return w[0] * xa.x + w[1] * xa.y + w[2] * xa.z + w[3] * xa.w + w[4] * xb.x + w[5] * xb.y + w[6] * xb.z +
           w[7] * xb.w;
}

template <int R>
static __global__ void __launch_bounds__(kThreads) gemvKernel(GemvParams p)
{
    gridDependencyBegin();  // programmatic dependent launch: kernels/common.cuh
    constexpr int U = 8 / R;  // vectors per row in flight per lane: R * U = 8 loads in flight
    extern __shared__ float4 sx[];
    const int nvec = p.cols / 8;
    float4* xa = sx;          // xa[c] = x[8c .. 8c+3]
    float4* xb = sx + nvec;   // xb[c] = x[8c+4 .. 8c+7]
    const int b = blockIdx.y;

    // Stage x (with SwiGLU applied when asked) as fp32.
    if (p.x_bf16) {
        const uint4* xv = reinterpret_cast<const uint4*>(static_cast<const __nv_bfloat16*>(p.x) + b * p.x_batch_stride);
        for (int c = threadIdx.x; c < nvec; c += kThreads) {
            float f[8];
            bf16x8ToFloat(xv[c], f);
            xa[c] = make_float4(f[0], f[1], f[2], f[3]);
            xb[c] = make_float4(f[4], f[5], f[6], f[7]);
        }
    } else if (p.norm_weight) {
        // RMSNorm of x first: every block reduces the (L2-resident) row itself, as kernels/rmsnorm does.
        const float4* xv = reinterpret_cast<const float4*>(p.x);
        __shared__ float s_part[kWarps];
        float ss = 0.f;
        for (int c = threadIdx.x; c < nvec; c += kThreads) {
            const float4 lo = xv[2 * c], hi = xv[2 * c + 1];
            ss += lo.x * lo.x + lo.y * lo.y + lo.z * lo.z + lo.w * lo.w + hi.x * hi.x + hi.y * hi.y + hi.z * hi.z +
                  hi.w * hi.w;
            xa[c] = lo;
            xb[c] = hi;
        }
        ss = warpSum(ss);
        if ((threadIdx.x & 31) == 0)
            s_part[threadIdx.x >> 5] = ss;
        __syncthreads();
        float total = 0.f;
#pragma unroll
        for (int w = 0; w < kWarps; ++w)
            total += s_part[w];
        const float inv = rsqrtf(total / p.cols + p.norm_eps);
        const uint4* wv = reinterpret_cast<const uint4*>(p.norm_weight);
        for (int c = threadIdx.x; c < nvec; c += kThreads) {
            float g[8];
            bf16x8ToFloat(wv[c], g);
            const float4 lo = xa[c], hi = xb[c];
            xa[c] = make_float4(lo.x * inv * g[0], lo.y * inv * g[1], lo.z * inv * g[2], lo.w * inv * g[3]);
            xb[c] = make_float4(hi.x * inv * g[4], hi.y * inv * g[5], hi.z * inv * g[6], hi.w * inv * g[7]);
        }
    } else {
        const float4* xv = reinterpret_cast<const float4*>(static_cast<const float*>(p.x) + b * p.x_batch_stride);
        const float4* up = p.x_swiglu ? reinterpret_cast<const float4*>(static_cast<const float*>(p.x) +
                                                                         b * p.x_batch_stride + p.swiglu_up_offset)
                                      : nullptr;
        for (int c = threadIdx.x; c < nvec; c += kThreads) {
            float4 lo = xv[2 * c], hi = xv[2 * c + 1];
            if (up) {
                const float4 ul = up[2 * c], uh = up[2 * c + 1];
                auto silu = [](float g) { return g / (1.f + __expf(-g)); };
                lo = make_float4(silu(lo.x) * ul.x, silu(lo.y) * ul.y, silu(lo.z) * ul.z, silu(lo.w) * ul.w);
                hi = make_float4(silu(hi.x) * uh.x, silu(hi.y) * uh.y, silu(hi.z) * uh.z, silu(hi.w) * uh.w);
            }
            xa[c] = lo;
            xb[c] = hi;
        }
    }
    __syncthreads();

    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const std::int64_t ld = p.ld_w ? p.ld_w : p.cols;
    const __nv_bfloat16* wb = static_cast<const __nv_bfloat16*>(p.w) + b * p.w_batch_stride;
    // Persistent grid: warps stride over row groups, so every SM gets the same share of rows
    // (a grid of whole blocks over 132 SMs leaves some SMs a block more than others).
    const int groups = (p.rows + R - 1) / R;
    for (int group = blockIdx.x + warp * gridDim.x; group < groups; group += gridDim.x * kWarps) {
        const int row0 = group * R;
        const uint4* wr[R];
#pragma unroll
        for (int r = 0; r < R; ++r) {
            const int row = row0 + r < p.rows ? row0 + r : row0;  // past the end: re-read a valid row, drop it
            wr[r] = reinterpret_cast<const uint4*>(wb + row * ld);
        }
        float acc[R];
#pragma unroll
        for (int r = 0; r < R; ++r)
            acc[r] = 0.f;

        int c = lane;
        for (; c + 32 * (U - 1) < nvec; c += 32 * U) {
            uint4 wv[R][U];
#pragma unroll
            for (int r = 0; r < R; ++r)
#pragma unroll
                for (int u = 0; u < U; ++u)
                    wv[r][u] = loadStreaming(wr[r] + c + 32 * u);
#pragma unroll
            for (int u = 0; u < U; ++u) {
                const float4 a = xa[c + 32 * u], bb = xb[c + 32 * u];
#pragma unroll
                for (int r = 0; r < R; ++r)
                    acc[r] += dot8(wv[r][u], a, bb);
            }
        }
        for (; c < nvec; c += 32) {
            const float4 a = xa[c], bb = xb[c];
#pragma unroll
            for (int r = 0; r < R; ++r)
                acc[r] += dot8(loadStreaming(wr[r] + c), a, bb);
        }

#pragma unroll
        for (int r = 0; r < R; ++r)
            acc[r] = warpSum(acc[r]);
        if (lane < R && row0 + lane < p.rows) {
            float v = acc[0];
#pragma unroll
            for (int r = 1; r < R; ++r)
                if (lane == r)
                    v = acc[r];
            const std::int64_t o = b * p.y_batch_stride + row0 + lane;
            if (p.y_bf16) {
                static_cast<__nv_bfloat16*>(p.y)[o] = __float2bfloat16(v);
            } else {
                float* y = static_cast<float*>(p.y) + o;
                *y = p.accumulate ? *y + v : v;
            }
        }
    }
}

template <int R>
static void launchWithRows(const GemvParams& p, int smem, int numSms, cudaStream_t stream)
{
    // Raised only when a wider x first needs it (the first call of each shape is a warm-up, before
    // any graph capture), so GPUs with less shared memory still run the common shapes.
    static int allowed = 48 * 1024;
    if (smem > allowed) {
        allowSharedMemory(gemvKernel<R>, smem, "gemv");
        allowed = smem;
    }
    // As many blocks as fit on the chip at once (fewer when there are fewer row groups), spread
    // over the batch; each block stages x once and its warps stride over the rows.
    int perSm = 0;
    if (cudaOccupancyMaxActiveBlocksPerMultiprocessor(&perSm, gemvKernel<R>, kThreads, smem) != cudaSuccess || perSm < 1)
        perSm = 1;
    const int groupBlocks = (p.rows + kWarps * R - 1) / (kWarps * R);
    const int resident = std::max(1, perSm * numSms / p.batch);
    const dim3 grid(std::min(groupBlocks, resident), p.batch);
    launchOverlapped(gemvKernel<R>, grid, dim3(kThreads), smem, stream, p);
}

void launchGemv(const GemvParams& p, cudaStream_t stream)
{
    const char* op = "gemv";
    require(p.w && p.x && p.y, op, "null pointer");
    require(p.rows > 0 && p.batch > 0, op, "rows and batch must be positive");
    require(p.cols > 0 && p.cols % 8 == 0 && p.cols <= kMaxCols, op, "cols must be a multiple of 8, at most 49152");
    require(p.ld_w == 0 || (p.ld_w >= p.cols && p.ld_w % 8 == 0), op, "ld_w must be 0 or a multiple of 8 >= cols");
    require(p.w_batch_stride % 8 == 0, op, "w_batch_stride must be a multiple of 8");
    require(aligned16(p.w), op, "w must be 16-byte aligned");
    require(p.x_bf16 ? aligned16(p.x) && p.x_batch_stride % 8 == 0 : aligned16(p.x) && p.x_batch_stride % 4 == 0, op,
            "x must be 16-byte aligned with a batch stride of whole vectors");
    require(!p.x_swiglu || (!p.x_bf16 && p.swiglu_up_offset % 4 == 0), op, "SwiGLU input needs fp32 x and an offset multiple of 4");
    require(!p.accumulate || !p.y_bf16, op, "accumulate needs fp32 y");
    require(!p.norm_weight || (!p.x_bf16 && !p.x_swiglu && p.batch == 1 && aligned16(p.norm_weight)), op,
            "RMSNorm input needs fp32 x, batch 1 and a 16-byte aligned norm_weight");
    require(p.batch == 1 || (p.w_batch_stride && p.y_batch_stride), op, "batched GEMV needs W and y batch strides");

    const int smem = p.cols * 4;
    static int numSms = 0;
    if (!numSms) {
        int dev = 0;
        cudaGetDevice(&dev);
        cudaDeviceGetAttribute(&numSms, cudaDevAttrMultiProcessorCount, dev);
        if (numSms <= 0)
            numSms = 132;
    }
    // Bigger R shares each x read among more rows, but only once the grid still fills the chip twice.
    // R = 4 shares x reads among rows for the very tall matrices (lm_head); otherwise one row per
    // warp at a time keeps the rows finest-grained, so the SMs stay evenly loaded.
    const std::int64_t work = static_cast<std::int64_t>(p.rows) * p.batch;
    if (work >= static_cast<std::int64_t>(kWarps) * 4 * 16 * numSms)
        launchWithRows<4>(p, smem, numSms, stream);
    else
        launchWithRows<1>(p, smem, numSms, stream);
    checkLaunch(op);
}

}  // namespace fathom::kernels
