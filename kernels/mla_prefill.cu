// MLA prefill: a gather kernel (paged cache -> contiguous latent), cuBLAS GEMMs, and a causal
// softmax kernel. Queries go in chunks sized to the workspace, so long prompts need bounded memory.
#include "kernels/mla_prefill.cuh"

#include "kernels/common.cuh"

#include <algorithm>
#include <string>

namespace fathom::kernels {

namespace {
std::size_t align256(std::size_t n) { return (n + 255) & ~std::size_t(255); }

void checkCublas(cublasStatus_t s, const char* what)
{
    if (s != CUBLAS_STATUS_SUCCESS)
        throw fathom::Error(s == CUBLAS_STATUS_ALLOC_FAILED ? fathom::ErrorKind::Resource : fathom::ErrorKind::Internal,
                            std::string("mla_prefill: cuBLAS ") + what + " failed (" + cublasGetStatusString(s) + ")");
}
}  // namespace

// lat[t] = cache row of position t, for t < T: one block per token, 16-byte copies.
static __global__ void gatherLatentKernel(const __nv_bfloat16* cache, const std::int32_t* blockTable, int pageSize,
                                          int width, __nv_bfloat16* lat)
{
    const int t = blockIdx.x;
    const uint4* src = reinterpret_cast<const uint4*>(
        cache + (static_cast<std::int64_t>(blockTable[t / pageSize]) * pageSize + t % pageSize) * width);
    uint4* dst = reinterpret_cast<uint4*>(lat + static_cast<std::int64_t>(t) * width);
    for (int v = threadIdx.x; v < width / 8; v += blockDim.x)
        dst[v] = src[v];
}

// P[h][i][j] = softmax over j <= qpos(i) of S[h][i][j] (already scaled), 0 for j > qpos(i).
static __global__ void causalSoftmaxKernel(const float* S, __nv_bfloat16* P, int T, int nq, int firstPos)
{
    __shared__ float scratch[32];
    const std::int64_t rowIdx = static_cast<std::int64_t>(blockIdx.y) * nq + blockIdx.x;
    const float* s = S + rowIdx * T;
    __nv_bfloat16* pr = P + rowIdx * T;
    const int valid = min(T, firstPos + static_cast<int>(blockIdx.x) + 1);
    float mx = -INFINITY;
    for (int j = threadIdx.x; j < valid; j += blockDim.x)
        mx = fmaxf(mx, s[j]);
    mx = warpMax(mx);
    __syncthreads();
    if ((threadIdx.x & 31) == 0)
        scratch[threadIdx.x >> 5] = mx;
    __syncthreads();
    mx = (threadIdx.x & 31) < (blockDim.x >> 5) ? scratch[threadIdx.x & 31] : -INFINITY;
    mx = warpMax(mx);
    float sum = 0.f;
    for (int j = threadIdx.x; j < valid; j += blockDim.x)
        sum += __expf(s[j] - mx);
    sum = blockSum(sum, scratch);
    const float inv = 1.f / sum;
    for (int j = threadIdx.x; j < T; j += blockDim.x)
        pr[j] = __float2bfloat16(j < valid ? __expf(s[j] - mx) * inv : 0.f);
}

std::size_t mlaPrefillWorkspaceBytes(int context, int query_chunk, int num_heads, int kv_lora_rank, int rope_dim,
                                     int nope_dim, int v_dim)
{
    const std::size_t T = static_cast<std::size_t>(std::max(context, 1));
    const std::size_t lat = align256(T * (kv_lora_rank + rope_dim) * 2);
    const std::size_t kvb = align256(T * num_heads * (nope_dim + v_dim) * 2);
    const std::size_t sp = static_cast<std::size_t>(num_heads) * std::max(query_chunk, 1) * T;
    return lat + kvb + align256(sp * 4) + align256(sp * 2);
}

void launchMlaPrefill(const MlaPrefillParams& p, cudaStream_t stream)
{
    const char* op = "mla_prefill";
    require(p.q && p.cache && p.block_table && p.kv_b && p.out && p.workspace && p.cublas, op, "null pointer");
    require(p.num_heads > 0 && p.n_q >= 0 && p.q_start >= 0, op, "bad head or query counts");
    require(p.kv_lora_rank % 8 == 0 && p.rope_dim % 8 == 0 && p.nope_dim % 8 == 0 && p.v_dim % 8 == 0, op,
            "dims must be multiples of 8");
    const int T = p.q_start + p.n_q;
    require(p.page_size > 0 && T <= p.max_blocks * p.page_size, op, "context exceeds the block table");
    if (p.n_q == 0)
        return;

    const int width = p.kv_lora_rank + p.rope_dim;
    const int qDim = p.nope_dim + p.rope_dim;
    const int kvbDim = p.num_heads * (p.nope_dim + p.v_dim);
    const std::size_t fixed = mlaPrefillWorkspaceBytes(T, 0, p.num_heads, p.kv_lora_rank, p.rope_dim, p.nope_dim, p.v_dim) -
                              align256(static_cast<std::size_t>(p.num_heads) * T * 4) -
                              align256(static_cast<std::size_t>(p.num_heads) * T * 2);
    require(p.workspace_bytes > fixed, op, "workspace too small for the context");
    const std::size_t perQuery = static_cast<std::size_t>(p.num_heads) * T * 6 + 512;
    const int chunk = static_cast<int>(std::min<std::size_t>(p.n_q, (p.workspace_bytes - fixed) / perQuery));
    require(chunk >= 1, op, "workspace too small for one query row");

    char* ws = static_cast<char*>(p.workspace);
    __nv_bfloat16* lat = reinterpret_cast<__nv_bfloat16*>(ws);
    __nv_bfloat16* kvb = reinterpret_cast<__nv_bfloat16*>(ws + align256(static_cast<std::size_t>(T) * width * 2));
    char* rest = reinterpret_cast<char*>(kvb) + align256(static_cast<std::size_t>(T) * kvbDim * 2);
    float* S = reinterpret_cast<float*>(rest);
    __nv_bfloat16* P = reinterpret_cast<__nv_bfloat16*>(rest + align256(static_cast<std::size_t>(p.num_heads) * chunk * T * 4));

    gatherLatentKernel<<<T, 128, 0, stream>>>(static_cast<const __nv_bfloat16*>(p.cache), p.block_table, p.page_size,
                                              width, lat);
    checkLaunch(op);

    checkCublas(cublasSetStream(p.cublas, stream), "set stream");
    const float one = 1.f, zero = 0.f, scale = p.scale;
    // kvb[t] = W_kvb lat[t][:kv_lora_rank]: row-major C = A B^T is column-major C^T = B A^T.
    checkCublas(cublasGemmEx(p.cublas, CUBLAS_OP_T, CUBLAS_OP_N, kvbDim, T, p.kv_lora_rank, &one, p.kv_b, CUDA_R_16BF,
                             p.kv_lora_rank, lat, CUDA_R_16BF, width, &zero, kvb, CUDA_R_16BF, kvbDim,
                             CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
                "kv_b GEMM");

    const __nv_bfloat16* q = static_cast<const __nv_bfloat16*>(p.q);
    __nv_bfloat16* out = static_cast<__nv_bfloat16*>(p.out);
    const int headStride = p.nope_dim + p.v_dim;
    for (int i0 = 0; i0 < p.n_q; i0 += chunk) {
        const int nq = std::min(chunk, p.n_q - i0);
        const __nv_bfloat16* qc = q + static_cast<std::int64_t>(i0) * p.num_heads * qDim;
        // S[h] = scale * Q_nope[h] K_nope[h]^T  ([nq, T] per head)
        checkCublas(cublasGemmStridedBatchedEx(p.cublas, CUBLAS_OP_T, CUBLAS_OP_N, T, nq, p.nope_dim, &scale, kvb,
                                               CUDA_R_16BF, kvbDim, headStride, qc, CUDA_R_16BF, p.num_heads * qDim,
                                               qDim, &zero, S, CUDA_R_32F, T, static_cast<long long>(nq) * T,
                                               p.num_heads, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
                    "QK nope GEMM");
        // S[h] += scale * Q_pe[h] K_pe^T: K_pe is shared by all heads (batch stride 0).
        checkCublas(cublasGemmStridedBatchedEx(p.cublas, CUBLAS_OP_T, CUBLAS_OP_N, T, nq, p.rope_dim, &scale,
                                               lat + p.kv_lora_rank, CUDA_R_16BF, width, 0, qc + p.nope_dim,
                                               CUDA_R_16BF, p.num_heads * qDim, qDim, &one, S, CUDA_R_32F, T,
                                               static_cast<long long>(nq) * T, p.num_heads, CUBLAS_COMPUTE_32F,
                                               CUBLAS_GEMM_DEFAULT),
                    "QK rope GEMM");
        causalSoftmaxKernel<<<dim3(nq, p.num_heads), 256, 0, stream>>>(S, P, T, nq, p.q_start + i0);
        checkLaunch(op);
        // O[h] = P[h] V[h]: row-major C = A B is column-major C^T = B^T A^T.
        checkCublas(cublasGemmStridedBatchedEx(p.cublas, CUBLAS_OP_N, CUBLAS_OP_N, p.v_dim, nq, T, &one,
                                               kvb + p.nope_dim, CUDA_R_16BF, kvbDim, headStride, P, CUDA_R_16BF, T,
                                               static_cast<long long>(nq) * T, &zero,
                                               out + static_cast<std::int64_t>(i0) * p.num_heads * p.v_dim, CUDA_R_16BF,
                                               p.num_heads * p.v_dim, p.v_dim, p.num_heads, CUBLAS_COMPUTE_32F,
                                               CUBLAS_GEMM_DEFAULT),
                    "PV GEMM");
    }
}

}  // namespace fathom::kernels
