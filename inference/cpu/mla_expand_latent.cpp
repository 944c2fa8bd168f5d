// mlaExpandLatent: per-head keys and values from the latent cache for expanded (prefill) attention.
// The whole kv_b_proj is one GEMM; the split form runs W_uv per head as stored and W_uk per head
// through an fp32 copy transposed back to [nope, kv_lora] (one head at a time: 256 KB for V2/V3).
#include "inference/cpu/mla_attention.h"

#include "inference/cpu/matmul.h"

#include <vector>

namespace fathom::inference::cpu {

void mlaExpandLatent(ThreadPool& pool, const MlaShape& s, const MlaUpProjection& up, const float* cache, float* kv)
{
    const std::int64_t T = s.nKeys(), L = s.kvLoraRank, cacheRow = L + s.ropeDim;
    const std::int64_t perHead = s.nopeDim + s.vDim, kvStride = s.nHeads * perHead;
    if (!up.split()) {
        matmul(pool, cache, T, cacheRow, up.kvB, kv, kvStride);
        return;
    }
    std::vector<float> row(static_cast<std::size_t>(s.nopeDim));           // fp32 [nope]
    std::vector<float> wUk(static_cast<std::size_t>(s.nopeDim * L));       // fp32 [nope, kv_lora]
    for (std::int64_t h = 0; h < s.nHeads; ++h) {
        const WeightMatrix kB = up.kB.rowSlice(h * L, L);  // [kv_lora, nope]
        for (std::int64_t l = 0; l < L; ++l) {
            kB.rowToFloat(l, row.data());
            for (std::int64_t n = 0; n < s.nopeDim; ++n)
                wUk[static_cast<std::size_t>(n * L + l)] = row[static_cast<std::size_t>(n)];
        }
        WeightMatrix k;
        k.dtype = DType::F32;
        k.data = reinterpret_cast<const std::byte*>(wUk.data());
        k.rows = s.nopeDim;
        k.cols = L;
        matmul(pool, cache, T, cacheRow, k, kv + h * perHead, kvStride);
        matmul(pool, cache, T, cacheRow, up.vB.rowSlice(h * s.vDim, s.vDim), kv + h * perHead + s.nopeDim, kvStride);
    }
}

}  // namespace fathom::inference::cpu
