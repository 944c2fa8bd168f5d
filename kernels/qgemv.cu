// Quantized GEMV: a block of 256 threads owns R rows at a time and splits their columns among its
// threads in groups of 8 elements (thread t takes groups t, t + 256, ...), so one warp reads 256
// consecutive elements of a row — 32 contiguous Q8_0 blocks' worth of bytes, or exactly one K-quant
// super-block — and loads coalesce. Because a thread always takes the same groups, its slice of x
// is loaded once into registers (NG groups of 8 floats) and reused for every row it visits: no
// shared-memory x reads in the inner loop, which at 4-5 bits per weight would otherwise cost more
// bandwidth than the weights themselves (Σ x of each group is kept too, for the types whose scale
// has an offset: kernels/qdot.cuh). A persistent grid walks the row groups.
#include "kernels/qgemv.cuh"

#include "kernels/common.cuh"
#include "kernels/qdot.cuh"

#include <algorithm>

namespace fathom::kernels {

namespace {
constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
constexpr int kMaxNg = 12;                       // groups of x per thread: cols <= 12 * 8 * 256
constexpr int kMaxCols = kMaxNg * 8 * kThreads;  // 24576 (DeepSeek V3's dense MLP is 18432)
}  // namespace

template <WType T, int NG, int R>
static __global__ void __launch_bounds__(kThreads) qgemvKernel(QGemvParams p)
{
    gridDependencyBegin();  // programmatic dependent launch: kernels/common.cuh
    const int ngroups = p.w.cols / 8;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;

    // This thread's slice of x (SwiGLU applied): groups past the end hold zeros, so the inner loop
    // needs no bounds check (it re-reads a valid group and multiplies it by 0).
    float xr[NG][8], xsum[NG];
#pragma unroll
    for (int i = 0; i < NG; ++i) {
        const int g = threadIdx.x + i * kThreads;
        if (g < ngroups) {
            const float4* xv = reinterpret_cast<const float4*>(p.x) + 2 * g;
            float4 lo = __ldg(xv), hi = __ldg(xv + 1);
            if (p.x_swiglu) {
                const float4* up = reinterpret_cast<const float4*>(p.x + p.swiglu_up_offset) + 2 * g;
                const float4 ul = __ldg(up), uh = __ldg(up + 1);
                auto silu = [](float v) { return v / (1.f + __expf(-v)); };
                lo = make_float4(silu(lo.x) * ul.x, silu(lo.y) * ul.y, silu(lo.z) * ul.z, silu(lo.w) * ul.w);
                hi = make_float4(silu(hi.x) * uh.x, silu(hi.y) * uh.y, silu(hi.z) * uh.z, silu(hi.w) * uh.w);
            }
            xr[i][0] = lo.x; xr[i][1] = lo.y; xr[i][2] = lo.z; xr[i][3] = lo.w;
            xr[i][4] = hi.x; xr[i][5] = hi.y; xr[i][6] = hi.z; xr[i][7] = hi.w;
            xsum[i] = ((lo.x + lo.y) + (lo.z + lo.w)) + ((hi.x + hi.y) + (hi.z + hi.w));
        } else {
            xsum[i] = 0.f;
#pragma unroll
            for (int k = 0; k < 8; ++k)
                xr[i][k] = 0.f;
        }
    }

    __shared__ float part[R][kWarps];
    const unsigned char* base = static_cast<const unsigned char*>(p.w.data);
    const int rowGroups = (p.w.rows + R - 1) / R;
    for (int rg = blockIdx.x; rg < rowGroups; rg += gridDim.x) {
        float acc[R];
#pragma unroll
        for (int r = 0; r < R; ++r)
            acc[r] = 0.f;
        // All NG * R group loads are independent: the compiler issues them before the math.
#pragma unroll
        for (int i = 0; i < NG; ++i) {
            const int g = min(static_cast<int>(threadIdx.x) + i * kThreads, ngroups - 1);
#pragma unroll
            for (int r = 0; r < R; ++r) {
                const int row = min(rg * R + r, p.w.rows - 1);  // past the end: re-read a valid row, drop it
                acc[r] += qblock::groupDotFast<T>(base + row * p.w.row_bytes, g, xr[i], xsum[i]);
            }
        }
#pragma unroll
        for (int r = 0; r < R; ++r) {
            const float v = warpSum(acc[r]);
            if (lane == 0)
                part[r][warp] = v;
        }
        __syncthreads();
        if (threadIdx.x < R) {
            const int row = rg * R + threadIdx.x;
            float v = 0.f;
#pragma unroll
            for (int k = 0; k < kWarps; ++k)
                v += part[threadIdx.x][k];  // fixed order: deterministic
            if (row < p.w.rows)
                p.y[row] = p.accumulate ? p.y[row] + v : v;
        }
        __syncthreads();  // part is reused by the next row group
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

template <WType T, int NG, int R>
static void launchShape(const QGemvParams& p, cudaStream_t stream)
{
    int perSm = 0;
    if (cudaOccupancyMaxActiveBlocksPerMultiprocessor(&perSm, qgemvKernel<T, NG, R>, kThreads, 0) != cudaSuccess ||
        perSm < 1)
        perSm = 1;
    const int rowGroups = (p.w.rows + R - 1) / R;
    const dim3 grid(std::min(rowGroups, perSm * smCount()));
    launchOverlapped(qgemvKernel<T, NG, R>, grid, dim3(kThreads), 0, stream, p);
}

// NG: the smallest instantiated slice that holds cols / 8 / 256 groups. R: rows a block takes at
// once, so that every thread keeps about four group loads in flight — but only while the grid still
// fills the chip (o_proj's 2048 rows would leave most SMs idle at R = 4).
template <WType T>
static void launchType(const QGemvParams& p, cudaStream_t stream)
{
    const int need = (p.w.cols / 8 + kThreads - 1) / kThreads;
    const bool tall = p.w.rows >= 4 * kWarps * smCount();
    if (need <= 1) {
        if (tall)
            launchShape<T, 1, 4>(p, stream);
        else
            launchShape<T, 1, 1>(p, stream);
    } else if (need <= 2) {
        launchShape<T, 2, 2>(p, stream);
    } else if (need <= 4) {
        launchShape<T, 4, 1>(p, stream);
    } else if (need <= 8) {
        launchShape<T, 8, 1>(p, stream);
    } else if constexpr (T != WType::F32) {
        launchShape<T, kMaxNg, 1>(p, stream);
    }
}

void launchQGemv(const QGemvParams& p, cudaStream_t stream)
{
    const char* op = "qgemv";
    const std::string problem = qmatrixProblem(p.w);
    require(problem.empty(), op, "w: " + problem);
    require(p.x && p.y, op, "null x or y");
    require(p.w.cols <= kMaxCols, op, "cols " + std::to_string(p.w.cols) + " exceeds 24576");
    // f32 weights (rare in GGUF files beyond norms) get no 12-group slice: 96 floats of x plus 96 of
    // weights in flight would spill.
    require(p.w.type != WType::F32 || p.w.cols <= 8 * 8 * kThreads, op,
            "F32 cols " + std::to_string(p.w.cols) + " exceeds 16384");
    require(aligned16(p.x), op, "x must be 16-byte aligned");
    require(!p.x_swiglu || (p.swiglu_up_offset >= p.w.cols && p.swiglu_up_offset % 4 == 0), op,
            "swiglu_up_offset must be a multiple of 4, at least cols");

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
