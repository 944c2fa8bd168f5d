// mlaAttentionExpanded: one task per (query, head); scores over the visible keys, softmax, then the
// probability-weighted sum of that head's values.
#include "inference/cpu/mla_attention.h"

#include "inference/cpu/vec_ops.h"
#include "inference/cpu/softmax.h"

#include <cstring>
#include <vector>

namespace fathom::inference::cpu {

void mlaAttentionExpanded(ThreadPool& pool, const MlaShape& s, const float* q, const float* kv, const float* cache,
                          float* out)
{
    const std::int64_t qkDim = s.nopeDim + s.ropeDim;
    const std::int64_t kvRow = s.nHeads * (s.nopeDim + s.vDim);
    const std::int64_t cacheRow = s.kvLoraRank + s.ropeDim;
    std::vector<std::vector<float>> scratch(static_cast<std::size_t>(pool.size()));
    pool.parallelFor(s.nQuery * s.nHeads, [&](std::int64_t t0, std::int64_t t1, int slot) {
        std::vector<float>& scores = scratch[static_cast<std::size_t>(slot)];
        scores.resize(static_cast<std::size_t>(s.nKeys()));
        for (std::int64_t task = t0; task < t1; ++task) {
            const std::int64_t i = task / s.nHeads, h = task % s.nHeads;
            const std::int64_t visible = s.startPos + i + 1;
            const float* qh = q + (i * s.nHeads + h) * qkDim;
            for (std::int64_t t = 0; t < visible; ++t) {
                const float* k = kv + t * kvRow + h * (s.nopeDim + s.vDim);
                const float* kPe = cache + t * cacheRow + s.kvLoraRank;
                scores[size_t(t)] = (dot(qh, k, s.nopeDim) + dot(qh + s.nopeDim, kPe, s.ropeDim)) * s.scale;
            }
            softmaxInPlace(scores.data(), visible);
            float* o = out + (i * s.nHeads + h) * s.vDim;
            std::memset(o, 0, static_cast<std::size_t>(s.vDim) * sizeof(float));
            for (std::int64_t t = 0; t < visible; ++t)
                axpy(scores[size_t(t)], kv + t * kvRow + h * (s.nopeDim + s.vDim) + s.nopeDim, o, s.vDim);
        }
    }, 1);
}

}  // namespace fathom::inference::cpu
