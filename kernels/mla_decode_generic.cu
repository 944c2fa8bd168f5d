// Generic absorbed-MLA decode: one 128-thread block per head. Scores for a chunk of 128 cached
// tokens go to shared memory (one warp per token, lanes over the 576-or-whatever wide row), then an
// online-softmax update in which each thread owns up to 8 latent columns. Simple on purpose: it
// serves shapes the tensor-core kernel does not, where the cache is small.
#include "kernels/mla_decode_generic.cuh"

#include "kernels/common.cuh"

namespace fathom::kernels {

namespace {
constexpr int kThreads = 128;
constexpr int kChunk = 128;       // tokens scored per pass
constexpr int kMaxPerThread = 8;  // latent columns per thread: kv_lora_rank up to 1024
}  // namespace

static __global__ void __launch_bounds__(kThreads) mlaDecodeGenericKernel(MlaDecodeGenericParams p)
{
    gridDependencyBegin();  // programmatic dependent launch: kernels/common.cuh
    extern __shared__ float sQ[];  // [kv_lora_rank + rope_dim]: q_abs, then the roped q_pe
    __shared__ float sS[kChunk];
    const int h = blockIdx.x, tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
    const int rank = p.kv_lora_rank, width = p.kv_lora_rank + p.rope_dim, half = p.rope_dim / 2;
    const int pos = *p.last_position;
    const int ctx = max(1, min(pos + 1, p.max_blocks * p.page_size));

    for (int c = tid; c < rank; c += kThreads)
        sQ[c] = p.q_abs[static_cast<std::int64_t>(h) * rank + c];
    const float* qpe = p.q_pe + h * p.q_pe_head_stride;
    for (int j = tid; j < half; j += kThreads) {
        float y0 = __int_as_float(0x7fc00000), y1 = y0;  // NaN past the table, as mla_decode
        if (pos >= 0 && pos < p.max_position) {
            const std::int64_t at = static_cast<std::int64_t>(pos) * half + j;
            ropePair(qpe[2 * j], qpe[2 * j + 1], p.cos[at], p.sin[at], y0, y1);
        }
        sQ[rank + 2 * j] = y0;
        sQ[rank + 2 * j + 1] = y1;
    }
    __syncthreads();

    const __nv_bfloat16* cache = static_cast<const __nv_bfloat16*>(p.cache);
    auto row = [&](int t) {
        return cache + (static_cast<std::int64_t>(p.block_table[t / p.page_size]) * p.page_size + t % p.page_size) * width;
    };
    float acc[kMaxPerThread];
#pragma unroll
    for (int k = 0; k < kMaxPerThread; ++k)
        acc[k] = 0.f;
    float m = -INFINITY, l = 0.f;  // running max and sum, identical in every thread

    for (int t0 = 0; t0 < ctx; t0 += kChunk) {
        const int n = min(kChunk, ctx - t0);
        for (int j = warp; j < n; j += kThreads / 32) {
            const __nv_bfloat16* r = row(t0 + j);
            float d = 0.f;
            for (int c = lane; c < width; c += 32)
                d += sQ[c] * __bfloat162float(r[c]);
            d = warpSum(d);
            if (lane == 0)
                sS[j] = d * p.scale;
        }
        __syncthreads();
        float cm = -INFINITY;
        for (int j = 0; j < n; ++j)
            cm = fmaxf(cm, sS[j]);
        const float mNew = fmaxf(m, cm);
        const float corr = expf(m - mNew);  // m = -inf on the first chunk: corr = 0, acc and l are 0 anyway
        l *= corr;
#pragma unroll
        for (int k = 0; k < kMaxPerThread; ++k)
            acc[k] *= corr;
        for (int j = 0; j < n; ++j) {
            const float w = expf(sS[j] - mNew);
            l += w;
            const __nv_bfloat16* r = row(t0 + j);
#pragma unroll
            for (int k = 0; k < kMaxPerThread; ++k) {
                const int c = tid + k * kThreads;
                if (c < rank)
                    acc[k] += w * __bfloat162float(r[c]);
            }
        }
        m = mNew;
        __syncthreads();  // sS is rewritten by the next chunk
    }
    const float inv = 1.f / l;
#pragma unroll
    for (int k = 0; k < kMaxPerThread; ++k) {
        const int c = tid + k * kThreads;
        if (c < rank)
            p.out[static_cast<std::int64_t>(h) * rank + c] = acc[k] * inv;
    }
}

void launchMlaDecodeGeneric(const MlaDecodeGenericParams& p, cudaStream_t stream)
{
    const char* op = "mla_decode_generic";
    require(p.q_abs && p.q_pe && p.cos && p.sin && p.cache && p.block_table && p.last_position && p.out, op, "null pointer");
    require(p.num_heads > 0, op, "num_heads must be positive");
    require(p.kv_lora_rank > 0 && p.kv_lora_rank <= kThreads * kMaxPerThread, op, "kv_lora_rank must be in 1..1024");
    require(p.rope_dim > 0 && p.rope_dim % 2 == 0 && p.rope_dim <= 256, op, "rope_dim must be even, 2..256");
    require(p.page_size > 0 && p.max_blocks > 0 && p.max_position > 0, op, "page_size, max_blocks, max_position must be positive");
    const int smem = (p.kv_lora_rank + p.rope_dim) * 4;
    launchOverlapped(mlaDecodeGenericKernel, dim3(p.num_heads), dim3(kThreads), smem, stream, p);
    checkLaunch(op);
}

}  // namespace fathom::kernels
