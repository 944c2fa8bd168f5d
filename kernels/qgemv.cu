// Quantized GEMV: each warp owns R rows at a time and its lanes split a row into groups of 8
// elements (lane l takes groups l, l + 32, ...), so a warp reads 256 consecutive elements per step
// (32 contiguous Q8_0 blocks' worth of bytes, or exactly one K-quant super-block) and loads
// coalesce; one warp sum per row. x is fp32: for rows of at most 2048 elements (every matrix that
// reads the hidden state) each lane keeps its slice of x in registers, loaded once and reused for
// every row the warp visits; wider rows (the down projections) stage x once per block in shared
// memory and share each x read among the R rows. The group dot itself is kernels/qdot.cuh. A
// persistent grid walks the row groups. With int8_x (Q8_0, Q5_0, Q4_K, Q6_K) a lane owns whole
// 32-element blocks instead and x is quantized to int8 per block (kernels/qdot8.cuh): in registers
// by the lane that owns the block for rows of at most 2048, into shared memory by the thread block
// for wider rows; the same launch, so the decode graph keeps its nodes.
#include "kernels/qgemv.cuh"

#include "kernels/common.cuh"
#include "kernels/qdot.cuh"
#include "kernels/qdot8.cuh"

#include <algorithm>

namespace fathom::kernels {

namespace {
constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
constexpr int kRegCols = 2048;    // widest row whose x slice lives in registers (8 groups per lane)
constexpr int kMaxCols = 24576;   // 96 KB of fp32 x in shared memory (DeepSeek V3's dense MLP is 18432)
}  // namespace

// x'[8g .. 8g+7] (SwiGLU applied when asked) and its sum.
static __device__ __forceinline__ void loadXGroup(const QGemvParams& p, int g, float x[8], float& xsum)
{
    const float4* xv = reinterpret_cast<const float4*>(p.x) + 2 * g;
    float4 lo = __ldg(xv), hi = __ldg(xv + 1);
    if (p.x_swiglu) {
        const float4* up = reinterpret_cast<const float4*>(p.x + p.swiglu_up_offset) + 2 * g;
        const float4 ul = __ldg(up), uh = __ldg(up + 1);
        auto silu = [](float v) { return v / (1.f + __expf(-v)); };
        lo = make_float4(silu(lo.x) * ul.x, silu(lo.y) * ul.y, silu(lo.z) * ul.z, silu(lo.w) * ul.w);
        hi = make_float4(silu(hi.x) * uh.x, silu(hi.y) * uh.y, silu(hi.z) * uh.z, silu(hi.w) * uh.w);
    }
    x[0] = lo.x; x[1] = lo.y; x[2] = lo.z; x[3] = lo.w;
    x[4] = hi.x; x[5] = hi.y; x[6] = hi.z; x[7] = hi.w;
    xsum = ((lo.x + lo.y) + (lo.z + lo.w)) + ((hi.x + hi.y) + (hi.z + hi.w));
}

static __device__ __forceinline__ void storeRow(const QGemvParams& p, int row, float v)
{
    if (row < p.w.rows)
        p.y[row] = p.accumulate ? p.y[row] + v : v;
}

// Rows of at most 32 * NGL units (kUnit<T> elements: 8, or a K-quant's 32-element sub-block):
// x slice in registers. Units past the end hold x = 0 and re-read a valid unit, so the inner loop
// has no bounds checks.
template <WType T, int NGL, int R>
static __global__ void __launch_bounds__(kThreads, 2) qgemvRegKernel(QGemvParams p)
{
    gridDependencyBegin();  // programmatic dependent launch: kernels/common.cuh
    constexpr int E = qblock::kUnit<T>, GPU = E / 8;  // elements and 8-groups per unit
    const int nunits = p.w.cols / E;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    float xr[NGL][E], xs[NGL];
#pragma unroll
    for (int k = 0; k < NGL; ++k) {
        const int u = lane + 32 * k;
        xs[k] = 0.f;
#pragma unroll
        for (int j = 0; j < GPU; ++j) {
            float s = 0.f;
            if (u < nunits) {
                loadXGroup(p, u * GPU + j, xr[k] + 8 * j, s);
            } else {
#pragma unroll
                for (int i = 0; i < 8; ++i)
                    xr[k][8 * j + i] = 0.f;
            }
            xs[k] += s;
        }
    }
    const unsigned char* base = static_cast<const unsigned char*>(p.w.data);
    const int rowGroups = (p.w.rows + R - 1) / R;
    for (int rg = blockIdx.x * kWarps + warp; rg < rowGroups; rg += gridDim.x * kWarps) {
        float acc[R];
#pragma unroll
        for (int r = 0; r < R; ++r)
            acc[r] = 0.f;
#pragma unroll
        for (int k = 0; k < NGL; ++k) {
            const int u = min(lane + 32 * k, nunits - 1);
#pragma unroll
            for (int r = 0; r < R; ++r) {
                const int row = min(rg * R + r, p.w.rows - 1);  // past the end: re-read a valid row, drop it
                acc[r] += qblock::unitDot<T>(base + row * p.w.row_bytes, u, xr[k], xs[k]);
            }
        }
#pragma unroll
        for (int r = 0; r < R; ++r) {
            const float v = warpSum(acc[r]);
            if (lane == r)
                storeRow(p, rg * R + r, v);
        }
    }
}

// Wider rows: x staged in shared memory as fp32, R rows per warp share each x read.
template <WType T, int R>
static __global__ void __launch_bounds__(kThreads) qgemvSmemKernel(QGemvParams p)
{
    gridDependencyBegin();  // programmatic dependent launch: kernels/common.cuh
    extern __shared__ float4 sx4[];
    float* sx = reinterpret_cast<float*>(sx4);  // fp32 [cols]
    const int ngroups = p.w.cols / 8;
    for (int g = threadIdx.x; g < ngroups; g += kThreads) {
        float x[8], s;
        loadXGroup(p, g, x, s);
        sx4[2 * g] = make_float4(x[0], x[1], x[2], x[3]);
        sx4[2 * g + 1] = make_float4(x[4], x[5], x[6], x[7]);
    }
    __syncthreads();
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const unsigned char* base = static_cast<const unsigned char*>(p.w.data);
    const int rowGroups = (p.w.rows + R - 1) / R;
    constexpr int U = 4 / R;  // groups per row and lane in flight: 4 loads in all
    for (int rg = blockIdx.x * kWarps + warp; rg < rowGroups; rg += gridDim.x * kWarps) {
        const unsigned char* rows[R];
#pragma unroll
        for (int r = 0; r < R; ++r)
            rows[r] = base + min(rg * R + r, p.w.rows - 1) * p.w.row_bytes;
        float acc[R];
#pragma unroll
        for (int r = 0; r < R; ++r)
            acc[r] = 0.f;
        for (int g0 = lane; g0 < ngroups; g0 += 32 * U) {
#pragma unroll
            for (int u = 0; u < U; ++u) {
                const int g = g0 + 32 * u;
                const int gc = g < ngroups ? g : ngroups - 1;
                const float4 a = sx4[2 * gc], b = sx4[2 * gc + 1];
                const float x[8] = {a.x, a.y, a.z, a.w, b.x, b.y, b.z, b.w};
                float xsum = 0.f;
                if constexpr (qblock::kNeedsXSum<T>)
                    xsum = ((a.x + a.y) + (a.z + a.w)) + ((b.x + b.y) + (b.z + b.w));
                const float keep = g < ngroups ? 1.f : 0.f;
#pragma unroll
                for (int r = 0; r < R; ++r)
                    acc[r] = fmaf(keep, qblock::groupDotFast<T>(rows[r], gc, x, xsum), acc[r]);
            }
        }
#pragma unroll
        for (int r = 0; r < R; ++r) {
            const float v = warpSum(acc[r]);
            if (lane == r)
                storeRow(p, rg * R + r, v);
        }
    }
    (void)sx;
}

// ---- int8 activations ----

// x'[32j .. 32j+31] (SwiGLU applied when asked).
static __device__ __forceinline__ void loadXBlock(const QGemvParams& p, int j, float v[32])
{
#pragma unroll
    for (int k = 0; k < 4; ++k) {
        float s;
        loadXGroup(p, 4 * j + k, v + 8 * k, s);
    }
}

// Rows of at most 32 * NB blocks of 32: each lane quantizes its own blocks (lane + 32k) into
// registers, once, and reuses them for every row it visits. Blocks past the end hold d = 0 and
// re-read a valid block.
template <WType T, int NB, int R>
static __global__ void __launch_bounds__(kThreads, 2) qgemvReg8Kernel(QGemvParams p)
{
    gridDependencyBegin();  // programmatic dependent launch: kernels/common.cuh
    const int nblocks = p.w.cols / 32;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    int xq[NB][8], xs[NB];
    float xd[NB];
    if (p.x_q8) {  // quantized once, before this launch: two 16-byte loads per block
        const qblock::Q8View v = qblock::q8View(const_cast<void*>(p.x_q8), p.w.cols);
#pragma unroll
        for (int k = 0; k < NB; ++k) {
            const int j = min(lane + 32 * k, nblocks - 1);
            const int4 a = __ldg(reinterpret_cast<const int4*>(v.q) + 2 * j), b = __ldg(reinterpret_cast<const int4*>(v.q) + 2 * j + 1);
            xq[k][0] = a.x; xq[k][1] = a.y; xq[k][2] = a.z; xq[k][3] = a.w;
            xq[k][4] = b.x; xq[k][5] = b.y; xq[k][6] = b.z; xq[k][7] = b.w;
            xd[k] = lane + 32 * k < nblocks ? __ldg(v.d + j) : 0.f;
            xs[k] = __ldg(v.sum + j);
        }
    } else {
#pragma unroll
        for (int k = 0; k < NB; ++k) {
            const int j = lane + 32 * k;
            float v[32];
            if (j < nblocks) {
                loadXBlock(p, j, v);
            } else {
#pragma unroll
                for (int i = 0; i < 32; ++i)
                    v[i] = 0.f;
            }
            qblock::quantizeX32(v, xq[k], xd[k], xs[k]);
        }
    }
    const unsigned char* base = static_cast<const unsigned char*>(p.w.data);
    const int rowGroups = (p.w.rows + R - 1) / R;
    for (int rg = blockIdx.x * kWarps + warp; rg < rowGroups; rg += gridDim.x * kWarps) {
        float acc[R];
#pragma unroll
        for (int r = 0; r < R; ++r)
            acc[r] = 0.f;
#pragma unroll
        for (int k = 0; k < NB; ++k) {
            const int j = min(lane + 32 * k, nblocks - 1);
#pragma unroll
            for (int r = 0; r < R; ++r) {
                const int row = min(rg * R + r, p.w.rows - 1);  // past the end: re-read a valid row, drop it
                acc[r] += qblock::blockDot8<T>(base + row * p.w.row_bytes, j, xq[k], xd[k], xs[k]);
            }
        }
#pragma unroll
        for (int r = 0; r < R; ++r) {
            const float v = warpSum(acc[r]);
            if (lane == r)
                storeRow(p, rg * R + r, v);
        }
    }
}

// Wider rows: x quantized once per thread block into shared memory, 40 bytes per 32 elements.
template <WType T, int R>
static __global__ void __launch_bounds__(kThreads) qgemvSmem8Kernel(QGemvParams p)
{
    gridDependencyBegin();  // programmatic dependent launch: kernels/common.cuh
    extern __shared__ int4 sq[];                                // int8 [cols] as int4 [cols / 16]
    const int nblocks = p.w.cols / 32;
    float* sd = reinterpret_cast<float*>(sq + 2 * nblocks);   // fp32 [nblocks] x scales
    int* ss = reinterpret_cast<int*>(sd + nblocks);           // int32 [nblocks] Σ q per block
    if (p.x_q8) {  // quantized once, before this launch: copied as is
        const int* src = static_cast<const int*>(p.x_q8);
        int* dst = reinterpret_cast<int*>(sq);
        for (int i = threadIdx.x; i < nblocks * 10; i += kThreads)  // 40 bytes per block
            dst[i] = __ldg(src + i);
    } else {
        qblock::quantizeToShared(nblocks, [&p](int j, float v[32]) { loadXBlock(p, j, v); }, sq, sd, ss);
    }
    __syncthreads();
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const unsigned char* base = static_cast<const unsigned char*>(p.w.data);
    const int rowGroups = (p.w.rows + R - 1) / R;
    for (int rg = blockIdx.x * kWarps + warp; rg < rowGroups; rg += gridDim.x * kWarps) {
        const unsigned char* rowA = base + min(rg * R, p.w.rows - 1) * p.w.row_bytes;
        const unsigned char* rowB = base + min(rg * R + R - 1, p.w.rows - 1) * p.w.row_bytes;
        float acc[2] = {0.f, 0.f};
        // 4 blocks in flight in all, as the fp32 kernel's 4 groups (no register pressure here).
        qblock::laneRowDot8<T, R == 2, 4 / R>(rowA, rowB, nblocks, sq, sd, ss, lane, acc[0], acc[1]);
#pragma unroll
        for (int r = 0; r < R; ++r) {
            const float v = warpSum(acc[r]);
            if (lane == r)
                storeRow(p, rg * R + r, v);
        }
    }
}

static int smCount()
{
    static int n = 0;
    if (!n) {
        int dev = 0;
        cudaGetDevice(&dev);
        cudaDeviceGetAttribute(&n, cudaDevAttrMultiProcessorCount, dev);
        if (n <= 0)
            n = 132;
    }
    return n;
}

// As many blocks as fit on the chip at once (fewer when there are fewer row groups).
template <typename Kernel>
static void launchPersistent(Kernel kernel, const QGemvParams& p, int R, int smem, cudaStream_t stream)
{
    int perSm = 0;
    if (cudaOccupancyMaxActiveBlocksPerMultiprocessor(&perSm, kernel, kThreads, smem) != cudaSuccess || perSm < 1)
        perSm = 1;
    const int rowGroups = (p.w.rows + R - 1) / R;
    const int blocks = (rowGroups + kWarps - 1) / kWarps;
    launchOverlapped(kernel, dim3(std::min(blocks, perSm * smCount())), dim3(kThreads), smem, stream, p);
}

// R = 2 shares x among two rows (and doubles the loads in flight) once the grid still holds about
// 16 warps per SM; shorter matrices (o_proj's 2048 rows) keep one row per warp to fill the chip.
template <WType T>
static void launchType(const QGemvParams& p, cudaStream_t stream)
{
    const bool two = p.w.rows >= 2 * 16 * smCount();
    if (p.w.cols <= kRegCols) {
        const int ngl = (p.w.cols / qblock::kUnit<T> + 31) / 32;
        if constexpr (qblock::kUnit<T> == 32) {  // K-quants: at most 2 sub-blocks per lane
            if (ngl <= 1)
                launchPersistent(qgemvRegKernel<T, 1, 2>, p, 2, 0, stream);
            else
                launchPersistent(qgemvRegKernel<T, 2, 1>, p, 1, 0, stream);
        } else {
            if (ngl <= 1)
                launchPersistent(qgemvRegKernel<T, 1, 2>, p, 2, 0, stream);
            else if (ngl <= 2)
                launchPersistent(qgemvRegKernel<T, 2, 2>, p, 2, 0, stream);
            else if (ngl <= 4)
                two ? launchPersistent(qgemvRegKernel<T, 4, 2>, p, 2, 0, stream)
                    : launchPersistent(qgemvRegKernel<T, 4, 1>, p, 1, 0, stream);
            else  // 8 groups per lane are in flight already; two rows would spill
                launchPersistent(qgemvRegKernel<T, 8, 1>, p, 1, 0, stream);
        }
        return;
    }
    const int smem = p.w.cols * 4;
    // Raised only when a wider x first needs it (the first call of each shape is a warm-up, before
    // any graph capture), so GPUs with less shared memory still run the common shapes.
    static int allowed = 48 * 1024;
    if (smem > allowed) {
        allowSharedMemory(qgemvSmemKernel<T, 1>, smem, "qgemv");
        allowSharedMemory(qgemvSmemKernel<T, 2>, smem, "qgemv");
        allowed = smem;
    }
    if (two)
        launchPersistent(qgemvSmemKernel<T, 2>, p, 2, smem, stream);
    else
        launchPersistent(qgemvSmemKernel<T, 1>, p, 1, smem, stream);
}

// The int8 kernels (T int8Capable, so cols is a multiple of 32).
template <WType T>
static void launchType8(const QGemvParams& p, cudaStream_t stream)
{
    const bool two = p.w.rows >= 2 * 16 * smCount();
    if (p.w.cols <= kRegCols) {
        if (p.w.cols <= 32 * 32)
            launchPersistent(qgemvReg8Kernel<T, 1, 2>, p, 2, 0, stream);
        else
            two ? launchPersistent(qgemvReg8Kernel<T, 2, 2>, p, 2, 0, stream)
                : launchPersistent(qgemvReg8Kernel<T, 2, 1>, p, 1, 0, stream);
        return;
    }
    const int smem = p.w.cols / 32 * 40;  // at most 30 KB: no opt-in needed
    if (two)
        launchPersistent(qgemvSmem8Kernel<T, 2>, p, 2, smem, stream);
    else
        launchPersistent(qgemvSmem8Kernel<T, 1>, p, 1, smem, stream);
}

void launchQGemv(const QGemvParams& p, cudaStream_t stream)
{
    const char* op = "qgemv";
    const std::string problem = qmatrixProblem(p.w);
    require(problem.empty(), op, "w: " + problem);
    require(p.x && p.y, op, "null x or y");
    require(p.w.cols <= kMaxCols, op, "cols " + std::to_string(p.w.cols) + " exceeds 24576");
    require(aligned16(p.x), op, "x must be 16-byte aligned");
    require(!p.x_swiglu || (p.swiglu_up_offset >= p.w.cols && p.swiglu_up_offset % 4 == 0), op,
            "swiglu_up_offset must be a multiple of 4, at least cols");
    require(!p.x_q8 || (!p.x_swiglu && aligned16(p.x_q8)), op, "x_q8 must be 16-byte aligned, and not with x_swiglu");

    if (p.int8_x && qblock::int8Capable(p.w.type)) {
        switch (p.w.type) {
        case WType::Q8_0: launchType8<WType::Q8_0>(p, stream); break;
        case WType::Q5_0: launchType8<WType::Q5_0>(p, stream); break;
        case WType::Q4_K: launchType8<WType::Q4_K>(p, stream); break;
        default: launchType8<WType::Q6_K>(p, stream); break;
        }
        checkLaunch(op);
        return;
    }
    switch (p.w.type) {
    case WType::F32: launchType<WType::F32>(p, stream); break;
    case WType::F16: launchType<WType::F16>(p, stream); break;
    case WType::BF16: launchType<WType::BF16>(p, stream); break;
    case WType::Q8_0: launchType<WType::Q8_0>(p, stream); break;
    case WType::Q4_0: launchType<WType::Q4_0>(p, stream); break;
    case WType::Q4_1: launchType<WType::Q4_1>(p, stream); break;
    case WType::Q5_0: launchType<WType::Q5_0>(p, stream); break;
    case WType::Q5_1: launchType<WType::Q5_1>(p, stream); break;
    case WType::Q4_K: launchType<WType::Q4_K>(p, stream); break;
    case WType::Q5_K: launchType<WType::Q5_K>(p, stream); break;
    case WType::Q6_K: launchType<WType::Q6_K>(p, stream); break;
    }
    checkLaunch(op);
}

}  // namespace fathom::kernels
