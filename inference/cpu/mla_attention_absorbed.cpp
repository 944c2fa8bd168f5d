// mlaAttentionAbsorbed: one task per head. q_lat = q_nope · W_uk (kv_lora wide), score(t) =
// q_lat · latent(t) + q_pe · k_pe(t); o_lat = Σ p(t) latent(t); out = W_uv · o_lat. Reads the
// 576-wide latent cache instead of 16-128 per-head key/value rows.
#include "inference/cpu/mla_attention.h"

#include "inference/cpu/matmul.h"
#include "inference/cpu/matvec_transposed.h"
#include "inference/cpu/vec_ops.h"
#include "inference/cpu/softmax.h"

#include <cstring>
#include <vector>

namespace fathom::inference::cpu {

void mlaAttentionAbsorbed(ThreadPool& pool, const MlaShape& s, const float* q, const MlaUpProjection& up,
                          const float* cache, float* out)
{
    const std::int64_t qkDim = s.nopeDim + s.ropeDim;
    const std::int64_t cacheRow = s.kvLoraRank + s.ropeDim;
    const std::int64_t L = s.kvLoraRank;
    std::vector<std::vector<float>> scratch(static_cast<std::size_t>(pool.size()));
    pool.parallelFor(s.nHeads, [&](std::int64_t h0, std::int64_t h1, int slot) {
        std::vector<float>& buf = scratch[static_cast<std::size_t>(slot)];
        buf.resize(static_cast<std::size_t>(2 * L + s.nKeys()));
        float* qLat = buf.data();     // fp32 [kv_lora]
        float* oLat = qLat + L;       // fp32 [kv_lora]
        float* scores = oLat + L;     // fp32 [nKeys]
        for (std::int64_t h = h0; h < h1; ++h) {
            const bool split = up.split();
            const WeightMatrix wUk = split ? up.kB.rowSlice(h * L, L)                                 // [kv_lora, nope]
                                           : up.kvB.rowSlice(h * (s.nopeDim + s.vDim), s.nopeDim);    // [nope, kv_lora]
            const WeightMatrix wUv = split ? up.vB.rowSlice(h * s.vDim, s.vDim)                       // [v, kv_lora]
                                           : up.kvB.rowSlice(h * (s.nopeDim + s.vDim) + s.nopeDim, s.vDim);
            for (std::int64_t i = 0; i < s.nQuery; ++i) {
                const float* qh = q + (i * s.nHeads + h) * qkDim;
                const std::int64_t visible = s.startPos + i + 1;
                if (split)
                    matmul(pool, qh, 1, wUk, qLat);  // nested in a pool chunk: runs on this thread
                else
                    matvecTransposed(qh, wUk, qLat);
                for (std::int64_t t = 0; t < visible; ++t) {
                    const float* row = cache + t * cacheRow;
                    scores[t] = (dot(qLat, row, L) + dot(qh + s.nopeDim, row + L, s.ropeDim)) * s.scale;
                }
                softmaxInPlace(scores, visible);
                std::memset(oLat, 0, static_cast<std::size_t>(L) * sizeof(float));
                for (std::int64_t t = 0; t < visible; ++t)
                    axpy(scores[t], cache + t * cacheRow, oLat, L);
                // Nested in a pool chunk, so this GEMV runs on this thread only.
                matmul(pool, oLat, 1, wUv, out + (i * s.nHeads + h) * s.vDim);
            }
        }
    }, 1);
}

}  // namespace fathom::inference::cpu
