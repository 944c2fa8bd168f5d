// Sampling kernel: one 512-thread block per row. Thresholds for top-k (by count) and top-p (by
// mass) come from a 4-pass 8-bit radix select over the logits' ordered keys; all sums are fixed-point
// integers, so a seed reproduces bit for bit. The logits row (400 KB) stays in L2 between passes.
#include "kernels/sampling.cuh"

#include "kernels/moe_common.cuh"
#include "kernels/philox.h"

namespace fathom::kernels {
namespace {

constexpr int kThreads = 512;  // 1024 would cap registers at 64 and spill

__device__ __forceinline__ std::uint32_t keyOf(float v) { return orderKey(__float_as_uint(v)); }

struct Shared {
    unsigned long long hist[256];
    unsigned long long red[32];
    float redv[32];
    int redi[32];
    std::uint32_t bin;
    unsigned long long rest;
    int pick;
};

__device__ __forceinline__ unsigned long long blockSum(unsigned long long v, Shared& s)
{
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    if ((threadIdx.x & 31) == 0) s.red[threadIdx.x >> 5] = v;
    __syncthreads();
    unsigned long long t = 0;
    for (int w = 0; w < kThreads / 32; ++w) t += s.red[w];
    __syncthreads();
    return t;
}

// Radix select: the largest key K such that the items with key >= K (among keys >= lo) add up to
// at least `target`, where an item counts 1 (by_mass false) or its fixed-point weight.
__device__ __forceinline__ std::uint32_t radixSelect(const float* l, int V, std::uint32_t lo, bool by_mass, unsigned long long target,
                                     float m, float inv_t, Shared& s)
{
    std::uint32_t prefix = 0, mask = 0;
    for (int pass = 0; pass < 4; ++pass) {
        const int shift = 24 - 8 * pass;
        for (int b = threadIdx.x; b < 256; b += kThreads) s.hist[b] = 0;
        __syncthreads();
        for (int i = threadIdx.x; i < V; i += kThreads) {
            const float v = l[i];
            const std::uint32_t key = keyOf(v);
            if (key >= lo && (key & mask) == prefix)
                atomicAdd(&s.hist[(key >> shift) & 255u], by_mass ? sampleWeightFixed(expf((v - m) * inv_t)) : 1ull);
        }
        __syncthreads();
        if (threadIdx.x == 0) {
            unsigned long long cum = 0;
            int b = 255;
            for (; b > 0; --b) {
                if (cum + s.hist[b] >= target) break;
                cum += s.hist[b];
            }
            s.bin = static_cast<std::uint32_t>(b);
            s.rest = target - cum;
        }
        __syncthreads();
        prefix |= s.bin << shift;
        mask |= 255u << shift;
        target = s.rest;
        __syncthreads();
    }
    return prefix;
}

__global__ void __launch_bounds__(kThreads, 1) samplingKernel(SamplingParams p)
{
    __shared__ Shared s;
    const int row = blockIdx.x;
    const int V = p.vocab;
    const float* l = p.logits + static_cast<size_t>(row) * V;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const std::uint64_t step = p.rng_state[0];

    // Argmax (greedy answer, and the max for a stable softmax). Ties go to the lowest id.
    float best = -INFINITY;
    int bi = 0x7fffffff;
    for (int i = threadIdx.x; i < V; i += kThreads) {
        const float v = l[i];
        if (v > best) { best = v; bi = i; }
    }
    for (int o = 16; o > 0; o >>= 1) {
        const float ov = __shfl_xor_sync(0xffffffffu, best, o);
        const int oi = __shfl_xor_sync(0xffffffffu, bi, o);
        if (ov > best || (ov == best && oi < bi)) { best = ov; bi = oi; }
    }
    if (lane == 0) { s.redv[warp] = best; s.redi[warp] = bi; }
    __syncthreads();
    if (threadIdx.x == 0) {
        for (int w = 1; w < kThreads / 32; ++w)
            if (s.redv[w] > s.redv[0] || (s.redv[w] == s.redv[0] && s.redi[w] < s.redi[0])) {
                s.redv[0] = s.redv[w];
                s.redi[0] = s.redi[w];
            }
        if (s.redi[0] == 0x7fffffff) s.redi[0] = 0;  // all NaN: any valid id; NaN logits are caught upstream
    }
    __syncthreads();
    const float m = s.redv[0];

    const bool greedy = p.temperature <= 0.f || p.top_k == 1;
    if (!greedy) {
        const float inv_t = 1.0f / p.temperature;
        std::uint32_t thr = 0;
        if (p.top_k > 0 && p.top_k < V) thr = radixSelect(l, V, 0, false, static_cast<unsigned long long>(p.top_k), m, inv_t, s);
        unsigned long long z = 0;
        for (int i = threadIdx.x; i < V; i += kThreads) {
            const float v = l[i];
            if (keyOf(v) >= thr) z += sampleWeightFixed(expf((v - m) * inv_t));
        }
        z = blockSum(z, s);
        if (p.top_p < 1.f) {
            unsigned long long target = static_cast<unsigned long long>(static_cast<double>(p.top_p) * static_cast<double>(z));
            if (target == 0) target = 1;
            const std::uint32_t pk = radixSelect(l, V, thr, true, target, m, inv_t, s);
            if (pk > thr) {
                thr = pk;
                z = 0;
                for (int i = threadIdx.x; i < V; i += kThreads) {
                    const float v = l[i];
                    if (keyOf(v) >= thr) z += sampleWeightFixed(expf((v - m) * inv_t));
                }
                z = blockSum(z, s);
            }
        }
        // Draw r in [0, z) and find the token whose slice of the kept mass (in id order) holds it.
        const std::uint32_t u = philox32(p.seed, step, static_cast<std::uint32_t>(row));
        const unsigned long long r = __umul64hi(z, static_cast<unsigned long long>(u) << 32);
        const int per = (V + kThreads - 1) / kThreads;
        const int i0 = min(V, threadIdx.x * per), i1 = min(V, i0 + per);
        unsigned long long local = 0;
        for (int i = i0; i < i1; ++i) {
            const float v = l[i];
            if (keyOf(v) >= thr) local += sampleWeightFixed(expf((v - m) * inv_t));
        }
        // Exclusive scan of `local` over the block (warp shuffles, then the warp totals).
        unsigned long long incl = local;
        for (int o = 1; o < 32; o <<= 1) {
            const unsigned long long n = __shfl_up_sync(0xffffffffu, incl, o);
            if (lane >= o) incl += n;
        }
        if (lane == 31) s.red[warp] = incl;
        __syncthreads();
        unsigned long long excl = incl - local;
        for (int w = 0; w < warp; ++w) excl += s.red[w];
        if (threadIdx.x == 0) s.pick = s.redi[0];  // fallback: unreachable while r < z
        __syncthreads();
        if (local > 0 && excl <= r && r < excl + local) {
            unsigned long long cum = excl;
            for (int i = i0; i < i1; ++i) {
                const float v = l[i];
                if (keyOf(v) < thr) continue;
                cum += sampleWeightFixed(expf((v - m) * inv_t));
                if (cum > r) { s.pick = i; break; }
            }
        }
        __syncthreads();
        if (threadIdx.x == 0) p.out_ids[row] = s.pick;
    } else if (threadIdx.x == 0) {
        p.out_ids[row] = s.redi[0];
    }

    // The last row done advances the step, after every row has read it.
    if (threadIdx.x == 0) {
        __threadfence();
        const unsigned long long done = atomicAdd(reinterpret_cast<unsigned long long*>(p.rng_state + 1), 1ull);
        if (done == static_cast<unsigned long long>(gridDim.x) - 1) {
            p.rng_state[1] = 0;
            p.rng_state[0] = step + 1;
        }
    }
}

}  // namespace

void sampleTokens(const SamplingParams& p, cudaStream_t stream)
{
    using detail::require;
    const char* op = "sampling";
    require(p.logits && p.out_ids && p.rng_state, op, "a required pointer is null");
    require(p.n_rows >= 0, op, "n_rows is negative");
    require(p.vocab > 0, op, "vocab must be positive");
    require(p.temperature <= 0.f || p.temperature >= 1e-4f, op, "temperature below 1e-4 (use 0 for greedy)");
    require(p.top_p > 0.f, op, "top_p must be positive");
    if (p.n_rows == 0) return;
    samplingKernel<<<p.n_rows, kThreads, 0, stream>>>(p);
    detail::checkLaunch(op);
}

}  // namespace fathom::kernels
