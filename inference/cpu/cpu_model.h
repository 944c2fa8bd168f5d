// The CPU reference model: DeepSeek-V2/V3 (MLA + MoE) forward pass in fp32 over weights kept in
// their stored dtype (bf16/f16/f32, widened on the fly), threaded over a ThreadPool.
#pragma once

#include "inference/cpu/thread_pool.h"
#include "inference/model/kv_cache.h"
#include "inference/model/model_config.h"
#include "inference/model/weight_store.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace fathom::inference::cpu {

struct LayerWeights;
class YarnRope;

// How MLA attention runs: Auto picks per call by estimated work (absorbed for decode, expanded for
// long prefills); the others force one form (tests compare them).
enum class MlaMode { Auto, Absorbed, Expanded };

class CpuModel final {
public:
    // The store must outlive the model. threads <= 0: hardware concurrency. Throws fathom::Error if
    // a needed tensor is missing.
    CpuModel(const ModelConfig& config, const WeightStore& weights, int threads);
    ~CpuModel();

    const ModelConfig& config() const { return m_config; }
    int threads() const { return m_pool.size(); }
    void setMlaMode(MlaMode mode) { m_mlaMode = mode; }
    // A cache shaped for this model holding at most `capacity` tokens.
    KvCache makeCache(std::int64_t capacity) const;

    // Runs tokens at positions startPos .. startPos+n-1: the cache is first truncated to startPos
    // (startPos <= cache.size()), then extended with these tokens. Returns fp32 logits
    // [n, vocab], or [1, vocab] for the last token when lastOnly. Throws fathom::Error on a token
    // id outside the vocab (UserInput) or a full context (Resource); the cache is then unchanged.
    // When `cancel` becomes true the pass stops at the next layer with fathom::Error(Cancelled).
    std::vector<float> forward(const std::vector<std::int32_t>& tokens, std::int64_t startPos, KvCache& cache,
                               bool lastOnly = false, const std::atomic<bool>* cancel = nullptr);

private:
    std::vector<float> run(const std::vector<std::int32_t>& tokens, std::int64_t startPos, KvCache& cache,
                           bool lastOnly, const std::atomic<bool>* cancel);
    void attention(const LayerWeights& lw, std::int64_t layer, const float* x, std::int64_t n,
                   std::int64_t startPos, KvCache& cache, float* out);
    void moe(const LayerWeights& lw, const float* x, std::int64_t n, float* out);

    ModelConfig m_config;
    const WeightStore& m_weights;
    ThreadPool m_pool;
    MlaMode m_mlaMode = MlaMode::Auto;
    std::unique_ptr<YarnRope> m_rope;
    std::vector<LayerWeights> m_layers;
    std::vector<float> m_finalNorm;  // fp32 [hidden]
    const TensorView* m_embed = nullptr;
    const TensorView* m_lmHead = nullptr;
};

}  // namespace fathom::inference::cpu
