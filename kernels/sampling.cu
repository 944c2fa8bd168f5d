// Sampling kernel: one launch of vocab / 2048 blocks (50 for V2-Lite), each holding 2048 logits in
// registers for the whole rule, meeting at grid-wide barriers: max, then for top-k and top-p a
// 3-round radix select (11 + 11 + 10 bits of the ordered key) by count and by fixed-point mass, then
// the draw as a prefix sum in id order. All sums are integers, so a seed reproduces bit for bit and
// matches the CPU Sampler (inference/sampling/sampler.cpp). The earlier one-block version re-read
// the 400 KB row from L2 on every pass and took 1.4 ms; this one reads it once.
#include "kernels/sampling.cuh"

#include "base/philox.h"
#include "kernels/common.cuh"

namespace fathom::kernels {
namespace {

constexpr int kThreads = 256, kPer = 8, kTile = kThreads * kPer, kBins = 2048;
constexpr int kMaxBlocks = kSamplingMaxVocab / kTile;
constexpr int kRounds = 3;
using u64 = unsigned long long;

struct Scratch {
    unsigned arrive, generation;        // grid barrier
    unsigned bad, pad;                  // a logit was NaN or infinite
    u64 best;                           // (order key << 32) | ~id of the best logit
    u64 hist[2 * kRounds][kBins];       // radix rounds: top-k by count, then top-p by mass
    u64 part[2][kMaxBlocks];            // per-block sums: top-k mass, then the kept mass
};

struct Shared {
    u64 hist[kBins];                    // this block's round histogram, then scan space
    u64 red[kThreads / 32];
    float vals[kTile];                  // penalties: the block's logits, staged by id
    std::int32_t recent[kSamplingWindow];
    u64 selAbove;
    int selBin;
};

__device__ __forceinline__ float keyToFloat(std::uint32_t key)
{
    return __uint_as_float((key & 0x80000000u) ? (key & 0x7fffffffu) : ~key);
}

// All blocks of the grid meet here (they are all resident: see launchSampling). Thread 0 of each
// block arrives and waits on a generation counter; the fences publish the block's writes.
__device__ void gridSync(Scratch* g)
{
    __syncthreads();
    if (threadIdx.x == 0) {
        volatile unsigned* gen = &g->generation;
        const unsigned mine = *gen;
        __threadfence();
        if (atomicAdd(&g->arrive, 1u) == gridDim.x - 1) {
            atomicExch(&g->arrive, 0u);
            __threadfence();
            atomicAdd(&g->generation, 1u);
        } else {
            while (*gen == mine)
                __nanosleep(32);
        }
        __threadfence();
    }
    __syncthreads();
}

__device__ __forceinline__ u64 warpSumU64(u64 v)
{
#pragma unroll
    for (int o = 16; o > 0; o >>= 1)
        v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

// Exclusive prefix of v over the block in thread order; *total gets the block's sum.
__device__ u64 blockExclusiveScan(u64 v, Shared& sh, u64* total)
{
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    u64 incl = v;
#pragma unroll
    for (int o = 1; o < 32; o <<= 1) {
        const u64 n = __shfl_up_sync(0xffffffffu, incl, o);
        if (lane >= o)
            incl += n;
    }
    __syncthreads();
    if (lane == 31)
        sh.red[warp] = incl;
    __syncthreads();
    u64 before = 0, all = 0;
#pragma unroll
    for (int w = 0; w < kThreads / 32; ++w) {
        before += w < warp ? sh.red[w] : 0;
        all += sh.red[w];
    }
    *total = all;
    return before + incl - v;
}

// In a global histogram of nb bins (higher bin = higher key), the highest bin b whose bins >= b weigh
// at least `need`; sh.selAbove gets the weight of the bins above b. Every block computes the same.
__device__ void findBin(const u64* hist, int nb, u64 need, Shared& sh)
{
    const int per = nb / kThreads, t = threadIdx.x;
    u64 mine = 0;
    for (int i = 0; i < per; ++i)
        mine += __ldcg(hist + t * per + i);
    // Suffix sums (bins above mine) = an exclusive scan in reverse thread order.
    __syncthreads();
    sh.hist[kThreads - 1 - t] = mine;
    if (t == 0) {
        sh.selBin = 0;
        sh.selAbove = 0;
    }
    __syncthreads();
    u64 total;
    const u64 reversed = blockExclusiveScan(sh.hist[t], sh, &total);
    __syncthreads();
    sh.hist[kThreads + kThreads - 1 - t] = reversed;  // sfx of thread (kThreads-1-t)
    __syncthreads();
    const u64 above = sh.hist[kThreads + t];
    if (need > above && need - above <= mine) {
        u64 run = above;
        for (int b = t * per + per - 1; b >= t * per; --b) {
            const u64 h = __ldcg(hist + b);
            if (run + h >= need) {
                sh.selBin = b;
                sh.selAbove = run;
                break;
            }
            run += h;
        }
    }
    __syncthreads();
}

// The largest key K such that the items with key >= K weigh at least `target` (weight 1 per item for
// top-k, the fixed-point mass for top-p; items of weight 0 never count).
__device__ std::uint32_t radixSelect(const std::uint32_t (&key)[kPer], const u64 (&wt)[kPer], u64 target,
                                     u64 (*ghist)[kBins], Scratch* g, Shared& sh)
{
    std::uint32_t prefix = 0, fixedMask = 0;
    u64 above = 0;
#pragma unroll 1
    for (int r = 0; r < kRounds; ++r) {
        const int shift = r == 0 ? 21 : r == 1 ? 10 : 0;
        const int nb = r == 2 ? 1024 : 2048;
        for (int b = threadIdx.x; b < nb; b += kThreads)
            sh.hist[b] = 0;
        __syncthreads();
#pragma unroll
        for (int j = 0; j < kPer; ++j)
            if (wt[j] != 0 && (key[j] & fixedMask) == prefix)
                atomicAdd(&sh.hist[(key[j] >> shift) & static_cast<std::uint32_t>(nb - 1)], wt[j]);
        __syncthreads();
        for (int b = threadIdx.x; b < nb; b += kThreads)
            if (sh.hist[b] != 0)
                atomicAdd(&ghist[r][b], sh.hist[b]);
        gridSync(g);
        findBin(ghist[r], nb, target - above, sh);
        prefix |= static_cast<std::uint32_t>(sh.selBin) << shift;
        above += sh.selAbove;
        fixedMask |= static_cast<std::uint32_t>(nb - 1) << shift;
        __syncthreads();
    }
    return prefix;
}

// Sum over the grid of one value per block, through part[]: every block gets the total and the
// sum of the blocks before it.
__device__ void gridTotal(u64 blockValue, u64* part, Scratch* g, Shared& sh, u64* total, u64* before)
{
    if (threadIdx.x == 0)
        part[blockIdx.x] = blockValue;
    gridSync(g);
    if (threadIdx.x < 32) {
        u64 all = 0, prior = 0;
        for (unsigned b = threadIdx.x; b < gridDim.x; b += 32) {
            const u64 v = __ldcg(part + b);
            all += v;
            prior += b < blockIdx.x ? v : 0;
        }
        all = warpSumU64(all);
        prior = warpSumU64(prior);
        if (threadIdx.x == 0) {
            sh.red[0] = all;
            sh.red[1] = prior;
        }
    }
    __syncthreads();
    *total = sh.red[0];
    *before = sh.red[1];
    __syncthreads();
}

__global__ void __launch_bounds__(kThreads) samplingKernel(SamplingParams p)
{
    gridDependencyBegin();  // programmatic dependent launch: kernels/common.cuh
    __shared__ Shared sh;
    Scratch* g = static_cast<Scratch*>(p.scratch);
    const SamplingSettings& st = *p.settings;
    const int V = p.vocab;
    const int tileStart = blockIdx.x * kTile;
    const int first = tileStart + threadIdx.x * kPer;  // this thread's 8 consecutive ids

    float z[kPer];
    bool bad = false;
#pragma unroll
    for (int j = 0; j < kPer; ++j) {
        z[j] = first + j < V ? p.logits[first + j] : 0.f;
        bad |= first + j < V && !isfinite(z[j]);
    }

    // 1. Penalties, once per distinct token of the window, on this block's ids.
    const float rp = st.repetition_penalty, pp = st.presence_penalty, fp = st.frequency_penalty;
    const int nRecent = min(max(st.n_recent, 0), kSamplingWindow);
    if ((rp != 1.f || pp != 0.f || fp != 0.f) && nRecent > 0) {
#pragma unroll
        for (int j = 0; j < kPer; ++j)
            sh.vals[threadIdx.x * kPer + j] = z[j];
        for (int i = threadIdx.x; i < nRecent; i += kThreads)
            sh.recent[i] = st.recent[i];
        __syncthreads();
        for (int i = threadIdx.x; i < nRecent; i += kThreads) {
            const int tok = sh.recent[i];
            if (tok < tileStart || tok >= tileStart + kTile || tok >= V)
                continue;
            bool firstSeen = true;
            int count = 0;
            for (int k = 0; k < nRecent; ++k) {
                firstSeen &= !(k < i && sh.recent[k] == tok);
                count += sh.recent[k] == tok;
            }
            if (!firstSeen)
                continue;
            float v = sh.vals[tok - tileStart];
            if (rp > 0.f && rp != 1.f)
                v = v > 0.f ? __fdiv_rn(v, rp) : __fmul_rn(v, rp);
            v = __fsub_rn(__fsub_rn(v, __fmul_rn(fp, static_cast<float>(count))), pp);
            sh.vals[tok - tileStart] = v;
        }
        __syncthreads();
#pragma unroll
        for (int j = 0; j < kPer; ++j)
            z[j] = sh.vals[threadIdx.x * kPer + j];
    }

    // 2. Temperature, and the best logit (greedy's answer; the max of the softmax).
    const float T = st.temperature;
    const bool greedy = T <= 0.f;
    std::uint32_t key[kPer];
    u64 best = 0;
#pragma unroll
    for (int j = 0; j < kPer; ++j) {
        if (!greedy)
            z[j] = __fdiv_rn(z[j], T);
        key[j] = first + j < V ? orderKey(__float_as_uint(z[j])) : 0u;
        if (first + j < V)
            best = max(best, (static_cast<u64>(key[j]) << 32) | (0xffffffffu - static_cast<unsigned>(first + j)));
    }
#pragma unroll
    for (int o = 16; o > 0; o >>= 1)
        best = max(best, __shfl_xor_sync(0xffffffffu, best, o));
    if ((threadIdx.x & 31) == 0)
        atomicMax(&g->best, best);
    if (bad)
        atomicOr(&g->bad, 1u);
    gridSync(g);
    best = __ldcg(&g->best);
    const bool anyBad = __ldcg(&g->bad) != 0;
    const bool topK = st.top_k > 0 && st.top_k < V, topP = st.top_p < 1.f;

    if (anyBad || greedy) {
        if (blockIdx.x == 0 && threadIdx.x == 0)
            *p.out_id = anyBad ? -1 : static_cast<int>(0xffffffffu - static_cast<unsigned>(best));
    } else {
        // 3. Fixed-point weights relative to the best token, then the thresholds as ordered keys.
        const float M = keyToFloat(static_cast<std::uint32_t>(best >> 32));
        u64 w[kPer], one[kPer];
#pragma unroll
        for (int j = 0; j < kPer; ++j) {
            w[j] = first + j < V ? sampleWeightFixed(expf(__fsub_rn(z[j], M))) : 0ull;
            one[j] = first + j < V ? 1ull : 0ull;
        }
        std::uint32_t threshold = 0;
        if (topK) {
            threshold = radixSelect(key, one, static_cast<u64>(st.top_k), g->hist, g, sh);
#pragma unroll
            for (int j = 0; j < kPer; ++j)
                w[j] = key[j] >= threshold ? w[j] : 0ull;
        }
        if (topP) {
            u64 mine = 0;
#pragma unroll
            for (int j = 0; j < kPer; ++j)
                mine += w[j];
            mine = warpSumU64(mine);
            if ((threadIdx.x & 31) == 0)
                sh.red[threadIdx.x >> 5] = mine;
            __syncthreads();
            u64 blockMass = 0;
            for (int k = 0; k < kThreads / 32; ++k)
                blockMass += sh.red[k];
            __syncthreads();
            u64 mass, unused;
            gridTotal(blockMass, g->part[0], g, sh, &mass, &unused);
            u64 target = static_cast<u64>(static_cast<double>(st.top_p) * static_cast<double>(mass));
            target = target == 0 ? 1 : target;  // the best token alone (the CPU rule's cut for a zero target)
            threshold = max(threshold, radixSelect(key, w, target, g->hist + kRounds, g, sh));
        }
        const u64 minW = st.min_p > 0.f ? sampleWeightFixed(fminf(st.min_p, 1.f)) : 0ull;
        u64 mine = 0;
#pragma unroll
        for (int j = 0; j < kPer; ++j) {
            w[j] = key[j] >= threshold && w[j] >= minW ? w[j] : 0ull;
            mine += w[j];
        }
        // 4. The draw: running weight in id order, threads then blocks.
        u64 blockKept;
        const u64 threadBefore = blockExclusiveScan(mine, sh, &blockKept);
        u64 kept, blockBefore;
        gridTotal(blockKept, g->part[1], g, sh, &kept, &blockBefore);
        const u64 target = samplingTarget(kept, philox32(st.seed, st.draw, 0));
        u64 run = blockBefore + threadBefore;
        if (mine != 0 && run <= target && target < run + mine) {
#pragma unroll
            for (int j = 0; j < kPer; ++j) {
                run += w[j];
                if (w[j] != 0 && run > target) {
                    *p.out_id = first + j;
                    break;
                }
            }
        }
    }

    // 5. Leave the scratch zeroed for the next launch, once every block is past its last read.
    gridSync(g);
    if (blockIdx.x == 0) {
        if (threadIdx.x == 0) {
            g->best = 0;
            g->bad = 0;
        }
        for (int b = threadIdx.x; b < 2 * kMaxBlocks; b += kThreads)
            g->part[b / kMaxBlocks][b % kMaxBlocks] = 0;
        if (!anyBad && !greedy)
            for (int r = topK ? 0 : kRounds; r < (topP ? 2 * kRounds : kRounds); ++r)
                for (int b = threadIdx.x; b < kBins; b += kThreads)
                    g->hist[r][b] = 0;
    }
}

}  // namespace

std::size_t samplingScratchBytes() { return sizeof(Scratch); }

void launchSampling(const SamplingParams& p, cudaStream_t stream)
{
    const char* op = "sampling";
    require(p.logits && p.settings && p.out_id && p.scratch, op, "a required pointer is null");
    require(p.vocab > 0 && p.vocab <= kSamplingMaxVocab, op, "vocab must be in 1 .. 262144");
    const int blocks = (p.vocab + kTile - 1) / kTile;
    // The grid barriers need every block resident at once: check it against this GPU, once.
    static int resident = [] {
        int perSm = 0, device = 0, sms = 0;
        cudaGetDevice(&device);
        cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device);
        cudaOccupancyMaxActiveBlocksPerMultiprocessor(&perSm, samplingKernel, kThreads, 0);
        return perSm * sms;
    }();
    if (blocks > resident)
        badArgument(op, std::to_string(blocks) + " blocks cannot all be resident on this GPU (" +
                            std::to_string(resident) + ")");
    launchOverlapped(samplingKernel, dim3(blocks), dim3(kThreads), 0, stream, p);
    checkLaunch(op);
}

}  // namespace fathom::kernels
