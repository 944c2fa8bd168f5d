// Embedding lookup: one block per token, 16-byte loads of the bf16 row, fp32 out.
#include "kernels/embedding.cuh"

#include "kernels/common.cuh"

#include <cmath>

namespace fathom::kernels {

static __global__ void embeddingKernel(EmbeddingParams p)
{
    gridDependencyBegin();  // programmatic dependent launch: kernels/common.cuh
    const int t = blockIdx.x;
    const int id = p.ids[t];
    float* out = p.out + static_cast<std::int64_t>(t) * p.dim;
    const int nvec = p.dim / 8;
    if (id < 0 || id >= p.vocab) {
        // Bad ids come from a bug upstream; NaN makes the logits check fail loudly downstream.
        for (int i = threadIdx.x; i < p.dim; i += blockDim.x)
            out[i] = __int_as_float(0x7fc00000);
        return;
    }
    const uint4* row = reinterpret_cast<const uint4*>(static_cast<const __nv_bfloat16*>(p.table) +
                                                      static_cast<std::int64_t>(id) * p.dim);
    for (int v = threadIdx.x; v < nvec; v += blockDim.x) {
        float f[8];
        bf16x8ToFloat(row[v], f);
        float4* o = reinterpret_cast<float4*>(out + v * 8);
        o[0] = make_float4(f[0], f[1], f[2], f[3]);
        o[1] = make_float4(f[4], f[5], f[6], f[7]);
    }
}

void launchEmbedding(const EmbeddingParams& p, cudaStream_t stream)
{
    const char* op = "embedding";
    require(p.table && p.ids && p.out, op, "null pointer");
    require(p.n_tokens >= 0 && p.dim > 0 && p.dim % 8 == 0 && p.vocab > 0, op, "dim must be a positive multiple of 8");
    require(aligned16(p.table) && aligned16(p.out), op, "table and out must be 16-byte aligned");
    if (p.n_tokens == 0)
        return;
    launchOverlapped(embeddingKernel, dim3(p.n_tokens), dim3(256), 0, stream, p);
    checkLaunch(op);
}

}  // namespace fathom::kernels
