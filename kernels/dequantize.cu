// Dequantize: one thread per 8 consecutive elements of a row (one 16-byte bf16 store), so the
// stores coalesce and the packed reads of neighbouring threads fall in the same blocks (L1 absorbs
// the scattered small loads). Bandwidth bound: the bf16 write is 2-4x the packed read.
#include "kernels/dequantize.cuh"

#include <string>

#include "kernels/common.cuh"
#include "kernels/qblocks.cuh"

namespace fathom::kernels {
namespace {

constexpr int kThreads = 256;

template <WType T>
__global__ void __launch_bounds__(kThreads) dequantizeKernel(DequantizeParams p)
{
    const int chunks = p.w.cols / 8;
    const std::int64_t total = static_cast<std::int64_t>(p.n_rows) * chunks;
    for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(kThreads) + threadIdx.x; i < total;
         i += static_cast<std::int64_t>(gridDim.x) * kThreads) {
        const int r = static_cast<int>(i / chunks), c = static_cast<int>(i - static_cast<std::int64_t>(r) * chunks) * 8;
        const auto* row = static_cast<const std::uint8_t*>(p.w.data) + static_cast<std::int64_t>(p.row0 + r) * p.w.row_bytes;
        typename qblocks::Chunk<T>::type q;
        q.load(row, c);
        float v[8];
        q.decode(v);
        *reinterpret_cast<uint4*>(p.out + r * p.ld + c) = qblocks::packBf16x8(v);
    }
}

struct Launch {
    const DequantizeParams& p;
    cudaStream_t stream;
    template <WType T>
    void operator()() const
    {
        const std::int64_t total = static_cast<std::int64_t>(p.n_rows) * (p.w.cols / 8);
        const std::int64_t want = (total + kThreads - 1) / kThreads;
        const int blocks = static_cast<int>(want < 132 * 16 ? want : 132 * 16);  // grid-stride beyond ~16 per SM
        dequantizeKernel<T><<<blocks, kThreads, 0, stream>>>(p);
    }
};

}  // namespace

void checkQMatrix(const QMatrix& w, const char* op, const char* what)
{
    const std::string problem = qmatrixProblem(w);  // the quantized launchers' shared check (qmatrix.cuh)
    require(problem.empty(), op, std::string(what) + ": " + problem);
}

void launchDequantize(const DequantizeParams& p, cudaStream_t stream)
{
    const char* op = "dequantize";
    checkQMatrix(p.w, op, "w");
    require(p.out != nullptr && aligned16(p.out), op, "out must be set and 16-byte aligned");
    require(p.ld >= p.w.cols && p.ld % 8 == 0, op,
            "ld " + std::to_string(p.ld) + " must be at least cols " + std::to_string(p.w.cols) + " and a multiple of 8");
    require(p.row0 >= 0 && p.n_rows >= 0 && static_cast<std::int64_t>(p.row0) + p.n_rows <= p.w.rows, op,
            "rows [" + std::to_string(p.row0) + ", " + std::to_string(static_cast<std::int64_t>(p.row0) + p.n_rows) +
                ") outside the matrix's " + std::to_string(p.w.rows));
    if (p.n_rows == 0) return;
    qblocks::dispatchWType(p.w.type, Launch{p, stream});
    checkLaunch(op);
}

}  // namespace fathom::kernels
