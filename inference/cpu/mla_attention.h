// The attention core of MLA (after projections and rope), in its two equivalent forms:
//  - expanded (prefill): per-head keys/values from kv_b_proj over every cached token;
//  - absorbed (decode): W_uk folded into the query and W_uv applied after, attending directly over
//    the latent cache [n_keys, kv_lora_rank + rope_dim] (docs/ARCHITECTURE.md, "KV cache").
// Both are causal: query i (at position startPos + i) sees keys 0 .. startPos + i.
#pragma once

#include "inference/cpu/thread_pool.h"
#include "inference/cpu/weight_matrix.h"

#include <cstdint>

namespace fathom::inference::cpu {

struct MlaShape {
    std::int64_t nQuery = 0;     // new tokens this call
    std::int64_t startPos = 0;   // position of query 0; nKeys = startPos + nQuery
    std::int64_t nHeads = 0;
    std::int64_t nopeDim = 0;    // qk_nope_head_dim
    std::int64_t ropeDim = 0;    // qk_rope_head_dim
    std::int64_t vDim = 0;       // v_head_dim
    std::int64_t kvLoraRank = 0;
    float scale = 1.0f;          // ModelConfig::softmaxScale()
    std::int64_t nKeys() const { return startPos + nQuery; }
};

// q: fp32 [nQuery, nHeads, nope + rope] (rope part rotated); kv: fp32 [nKeys, nHeads, nope + v]
// (kv_b_proj of the latent); cache: fp32 [nKeys, kvLoraRank + rope] (rope key rotated, at column
// kvLoraRank); out: fp32 [nQuery, nHeads, vDim].
void mlaAttentionExpanded(ThreadPool& pool, const MlaShape& s, const float* q, const float* kv, const float* cache,
                          float* out);

// kv_b_proj in either stored form: whole (hub checkpoints, older GGUF attn_kv_b) or split into its
// key and value halves with the key half transposed (newer GGUF attn_k_b / attn_v_b).
struct MlaUpProjection {
    WeightMatrix kvB;  // [nHeads·(nope + v), kvLoraRank]: per head W_uk rows, then W_uv rows; rows 0 when split
    WeightMatrix kB;   // split: [nHeads·kvLoraRank, nope], each head's W_uk transposed
    WeightMatrix vB;   // split: [nHeads·v, kvLoraRank], each head's W_uv
    bool split() const { return kvB.rows == 0; }
};

// Same inputs without kv: the up-projection is applied per head to the query (W_uk) and the
// attended latent (W_uv).
void mlaAttentionAbsorbed(ThreadPool& pool, const MlaShape& s, const float* q, const MlaUpProjection& up,
                          const float* cache, float* out);
inline void mlaAttentionAbsorbed(ThreadPool& pool, const MlaShape& s, const float* q, const WeightMatrix& kvB,
                                 const float* cache, float* out)
{
    mlaAttentionAbsorbed(pool, s, q, MlaUpProjection{kvB, {}, {}}, cache, out);
}

// kv fp32 [nKeys, nHeads, nope + v] = the up-projection of every cached latent (the expanded form's
// input); kvStride = nHeads·(nope + v). The split form's W_uk is transposed back one head at a time.
void mlaExpandLatent(ThreadPool& pool, const MlaShape& s, const MlaUpProjection& up, const float* cache, float* kv);

}  // namespace fathom::inference::cpu
