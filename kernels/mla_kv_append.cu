// Latent cache append: one block of 128 threads per token; the norm's sum of squares is a block
// reduction, then each thread writes its 4 latent values and the first rope_dim/2 threads a pair.
#include "kernels/mla_kv_append.cuh"

#include "kernels/common.cuh"

namespace fathom::kernels {

namespace {
constexpr int kThreads = 128;
constexpr int kMaxPerThread = 8;  // kv_lora_rank up to 1024
}  // namespace

static __global__ void __launch_bounds__(kThreads) mlaKvAppendKernel(MlaKvAppendParams p)
{
    gridDependencyBegin();  // programmatic dependent launch: kernels/common.cuh
    __shared__ float scratch[32];
    const int t = blockIdx.x;
    const int pos = p.positions[t];
    const float* kv = p.kv + t * p.kv_row_stride;
    const int blk = pos / p.page_size;
    if (pos < 0 || blk >= p.max_blocks)
        return;  // uniform across the block: no thread reaches the reduction
    const int width = p.kv_lora_rank + p.rope_dim;
    __nv_bfloat16* slot = static_cast<__nv_bfloat16*>(p.cache) +
                          (static_cast<std::int64_t>(p.block_table[blk]) * p.page_size + pos % p.page_size) * width;

    float v[kMaxPerThread];
    float ss = 0.f;
#pragma unroll
    for (int k = 0; k < kMaxPerThread; ++k) {
        const int i = threadIdx.x + k * kThreads;
        v[k] = i < p.kv_lora_rank ? kv[i] : 0.f;
        ss += v[k] * v[k];
    }
    ss = blockSum(ss, scratch);
    const float inv = rsqrtf(ss / p.kv_lora_rank + p.eps);
    const __nv_bfloat16* w = static_cast<const __nv_bfloat16*>(p.norm_weight);
#pragma unroll
    for (int k = 0; k < kMaxPerThread; ++k) {
        const int i = threadIdx.x + k * kThreads;
        if (i < p.kv_lora_rank)
            slot[i] = __float2bfloat16(v[k] * inv * __bfloat162float(w[i]));
    }

    const int half = p.rope_dim / 2;
    for (int j = threadIdx.x; j < half; j += kThreads) {
        const float x0 = kv[p.kv_lora_rank + 2 * j], x1 = kv[p.kv_lora_rank + 2 * j + 1];
        float y0 = __int_as_float(0x7fc00000), y1 = y0;
        if (pos < p.max_position) {
            const std::int64_t at = static_cast<std::int64_t>(pos) * half + j;
            ropePair(x0, x1, p.cos[at], p.sin[at], y0, y1);
        }
        reinterpret_cast<__nv_bfloat162*>(slot + p.kv_lora_rank)[j] = __floats2bfloat162_rn(y0, y1);
    }
}

void launchMlaKvAppend(const MlaKvAppendParams& p, cudaStream_t stream)
{
    const char* op = "mla_kv_append";
    require(p.kv && p.norm_weight && p.positions && p.cos && p.sin && p.block_table && p.cache, op, "null pointer");
    require(p.kv_lora_rank > 0 && p.kv_lora_rank <= kThreads * kMaxPerThread, op, "kv_lora_rank must be in 1..1024");
    require(p.rope_dim > 0 && p.rope_dim % 2 == 0 && p.kv_lora_rank % 2 == 0, op, "rope_dim and kv_lora_rank must be even");
    require(p.kv_row_stride >= p.kv_lora_rank + p.rope_dim, op, "kv_row_stride is shorter than one token's kv");
    require(p.page_size > 0 && p.max_blocks > 0 && p.max_position > 0, op, "page_size, max_blocks, max_position must be positive");
    if (p.n_tokens <= 0)
        return;
    launchOverlapped(mlaKvAppendKernel, dim3(p.n_tokens), dim3(kThreads), 0, stream, p);
    checkLaunch(op);
}

}  // namespace fathom::kernels
