// The MLA latent KV cache: per layer, per token, the kv_lora_rank latent (after kv_a_layernorm)
// followed by the qk_rope_head_dim rope key, already rotated — 576 values for the real models
// (docs/ARCHITECTURE.md, "KV cache"). Also remembers which token ids it holds, so a follow-up
// request can keep the shared prefix (truncate) instead of recomputing it.
#pragma once

#include <cstdint>
#include <vector>

namespace fathom::inference {

class KvCache final {
public:
    // rowWidth = kv_lora_rank + qk_rope_head_dim; capacity = the most tokens it may ever hold.
    KvCache(std::int64_t numLayers, std::int64_t rowWidth, std::int64_t capacity);

    std::int64_t numLayers() const { return static_cast<std::int64_t>(m_layers.size()); }
    std::int64_t rowWidth() const { return m_rowWidth; }
    std::int64_t capacity() const { return m_capacity; }
    std::int64_t size() const { return static_cast<std::int64_t>(m_tokens.size()); }
    const std::vector<std::int32_t>& tokens() const { return m_tokens; }

    // Keeps the first n tokens (n <= size()); later rows are forgotten.
    void truncate(std::int64_t n);
    // Makes room for `count` more tokens at positions size() .. size()+count-1 and records their ids.
    // Throws fathom::Error (Resource) "context is full" past capacity, leaving the cache unchanged.
    void append(const std::int32_t* tokens, std::int64_t count);

    // fp32 [size(), rowWidth] for one layer: latent | rotated rope key.
    float* layer(std::int64_t l) { return m_layers[static_cast<std::size_t>(l)].data(); }
    const float* layer(std::int64_t l) const { return m_layers[static_cast<std::size_t>(l)].data(); }

private:
    std::int64_t m_rowWidth;
    std::int64_t m_capacity;
    std::vector<std::int32_t> m_tokens;
    std::vector<std::vector<float>> m_layers;  // each fp32 [size(), rowWidth], grown on demand
};

}  // namespace fathom::inference
