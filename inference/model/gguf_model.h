// A lone .gguf file as a whole DeepSeek-V2/V3 model (llama.cpp's deepseek2 architecture): the
// ModelConfig from its metadata and its tensors under the hub names the engine uses.
#pragma once

#include "inference/model/gguf_layout.h"
#include "inference/model/model_config.h"

#include <string>

namespace fathom::inference {

// deepseek2 metadata -> the ModelConfig config.json would give; throws fathom::Error naming the
// file and key.
ModelConfig modelConfigFromGguf(const GgufLayout& layout, const std::string& path);

// The hub name a GGUF tensor stands for ("blk.3.attn_kv_a_mqa.weight" ->
// "model.layers.3.self_attn.kv_a_proj_with_mqa.weight"); "" for names Fathom does not use.
// Merged expert tensors (ffn_*_exps) map to "model.layers.N.mlp.experts.{gate,up,down}_proj" with
// no expert index: the store splits them per expert. The split MLA up-projections of newer files
// map to self_attn.k_b_proj / self_attn.v_b_proj (llama.cpp's converter's own intermediate names).
std::string hubNameOfGguf(const std::string& ggufName);

}  // namespace fathom::inference
