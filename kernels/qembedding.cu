// Quantized embedding lookup: one block per token, each thread dequantizes groups of 8 elements of
// the token's row in registers (kernels/qblock.cuh) and writes them as two float4.
#include "kernels/qembedding.cuh"

#include "kernels/common.cuh"
#include "kernels/qblock.cuh"

namespace fathom::kernels {

template <WType T>
static __global__ void __launch_bounds__(256) qembeddingKernel(QEmbeddingParams p)
{
    gridDependencyBegin();  // programmatic dependent launch: kernels/common.cuh
    const int t = blockIdx.x;
    const int id = p.ids[t];
    const int dim = p.table.cols;
    float4* out = reinterpret_cast<float4*>(p.out + static_cast<std::int64_t>(t) * dim);
    const int ngroups = dim / 8;
    if (id < 0 || id >= p.table.rows) {
        // Bad ids come from a bug upstream; NaN makes the logits check fail loudly downstream.
        const float nan = __int_as_float(0x7fc00000);
        for (int i = threadIdx.x; i < dim / 4; i += blockDim.x)
            out[i] = make_float4(nan, nan, nan, nan);
        return;
    }
    const unsigned char* row = static_cast<const unsigned char*>(p.table.data) + id * p.table.row_bytes;
    for (int g = threadIdx.x; g < ngroups; g += blockDim.x) {
        float w[8];
        qblock::dequantGroup<T>(row, g, w);
        out[2 * g] = make_float4(w[0], w[1], w[2], w[3]);
        out[2 * g + 1] = make_float4(w[4], w[5], w[6], w[7]);
    }
}

void launchQEmbedding(const QEmbeddingParams& p, cudaStream_t stream)
{
    const char* op = "qembedding";
    const std::string problem = qmatrixProblem(p.table);
    require(problem.empty(), op, "table: " + problem);
    require(p.ids && p.out, op, "null ids or out");
    require(p.n_tokens >= 0, op, "n_tokens must not be negative");
    require(aligned16(p.out), op, "out must be 16-byte aligned");
    if (p.n_tokens == 0)
        return;
    const dim3 grid(p.n_tokens), block(256);
    switch (p.table.type) {
    case WType::F32: launchOverlapped(qembeddingKernel<WType::F32>, grid, block, 0, stream, p); break;
    case WType::F16: launchOverlapped(qembeddingKernel<WType::F16>, grid, block, 0, stream, p); break;
    case WType::BF16: launchOverlapped(qembeddingKernel<WType::BF16>, grid, block, 0, stream, p); break;
    case WType::Q8_0: launchOverlapped(qembeddingKernel<WType::Q8_0>, grid, block, 0, stream, p); break;
    case WType::Q4_0: launchOverlapped(qembeddingKernel<WType::Q4_0>, grid, block, 0, stream, p); break;
    case WType::Q4_1: launchOverlapped(qembeddingKernel<WType::Q4_1>, grid, block, 0, stream, p); break;
    case WType::Q5_0: launchOverlapped(qembeddingKernel<WType::Q5_0>, grid, block, 0, stream, p); break;
    case WType::Q5_1: launchOverlapped(qembeddingKernel<WType::Q5_1>, grid, block, 0, stream, p); break;
    case WType::Q4_K: launchOverlapped(qembeddingKernel<WType::Q4_K>, grid, block, 0, stream, p); break;
    case WType::Q5_K: launchOverlapped(qembeddingKernel<WType::Q5_K>, grid, block, 0, stream, p); break;
    case WType::Q6_K: launchOverlapped(qembeddingKernel<WType::Q6_K>, grid, block, 0, stream, p); break;
    }
    checkLaunch(op);
}

}  // namespace fathom::kernels
