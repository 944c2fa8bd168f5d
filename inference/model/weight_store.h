// All tensors of one model by hub name: a folder's safetensors files (single or sharded with an
// index) or a .gguf file, memory-mapped and validated, or synthetic random weights for benches.
#pragma once

#include "inference/model/model_config.h"
#include "inference/model/tensor.h"

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace fathom::inference {

class GgufFile;

// What the architecture needs: one entry per tensor with its exact expected shape.
struct TensorSpec {
    std::string name;
    std::vector<std::int64_t> shape;
};
std::vector<TensorSpec> expectedTensors(const ModelConfig& config);

class WeightStore final {
public:
    WeightStore();
    ~WeightStore();
    WeightStore(WeightStore&&) noexcept;
    WeightStore& operator=(WeightStore&&) noexcept;

    // Opens model.safetensors or model.safetensors.index.json (+ shards) in `dir`. Validates every file
    // (docs/RELIABILITY.md cases 1-5) before returning; throws fathom::Error naming the file and
    // problem.
    static WeightStore openFolder(const std::string& dir);
    // One safetensors file on its own (tests, tools).
    static WeightStore openFile(const std::string& path);
    // A .gguf file's tensors under hub names (gguf_model.h): merged expert tensors become one view
    // per expert, quantized tensors keep their GGUF dtype. Throws fathom::Error naming the file
    // when it is invalid or holds a tensor of a type Fathom cannot run.
    static WeightStore openGguf(const std::string& path);
    // Metadata of the .gguf this store was opened from; nullptr for safetensors and synthetic stores.
    const GgufFile* gguf() const;
    // Random weights with the exact names and shapes of expectedTensors(config), in `dtype`.
    // With shareLayers, every dense layer aliases layer 0's tensors and every MoE layer the first
    // MoE layer's, so a full-depth V2-Lite-shaped bench fits in a few GB while each token still
    // streams the same bytes per layer as the real model.
    static WeightStore synthetic(const ModelConfig& config, DType dtype, std::uint64_t seed, bool shareLayers);

    const TensorView* find(const std::string& name) const;
    const TensorView& get(const std::string& name) const;  // throws: "model is missing tensor X"
    std::vector<std::string> names() const;
    std::size_t totalBytes() const;  // bytes of weight data held; aliased synthetic layers count once

    // Replaces tensor `name`'s bytes and dtype (same shape) with `data`, which the store keeps:
    // load-time conversion (quantize.h). Throws fathom::Error (Internal) for an unknown name or a
    // byte count that does not match the shape in that dtype.
    void adopt(const std::string& name, DType dtype, std::unique_ptr<std::byte[]> data, std::size_t nbytes);

    // Checks the tensors against the architecture (docs/RELIABILITY.md cases 6, 8): every needed tensor
    // present with the expected shape and dtype; unexpected tensors are returned (and not used), not
    // fatal. kv_b_proj may instead come split as k_b_proj [heads, kv_lora, nope] + v_b_proj
    // [heads, v, kv_lora], the form newer GGUF files hold.
    std::vector<std::string> validateAgainst(const ModelConfig& config, const std::string& folder) const;

private:
    bool splitKvB(const ModelConfig& config, const std::string& kvB, const std::string& where,
                  std::set<std::string>& needed) const;

    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace fathom::inference
