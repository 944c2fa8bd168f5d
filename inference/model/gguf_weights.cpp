// WeightStore over a .gguf file: llama.cpp's tensor names (src/llama-arch.cpp, deepseek2) mapped onto
// the hub names the CPU backend binds, GGUF's innermost-first dims turned into row-major shapes, and
// merged 3-D expert tensors cut into one view per expert (each expert's rows are whole blocks, so a
// view is a contiguous byte range even when quantized). Nothing is copied.
#include "inference/model/gguf_model.h"

#include "inference/model/gguf_types.h"
#include "inference/model/weight_store_impl.h"
#include "base/error.h"

#include <array>
#include <utility>

namespace fathom::inference {

namespace {

// Per-layer names: llama.cpp's suffix after "blk.N." -> the hub's after "model.layers.N.".
constexpr std::array<std::pair<const char*, const char*>, 22> kLayerNames = {{
    {"attn_norm.weight", "input_layernorm.weight"},
    {"ffn_norm.weight", "post_attention_layernorm.weight"},
    {"attn_q.weight", "self_attn.q_proj.weight"},
    {"attn_q_a.weight", "self_attn.q_a_proj.weight"},
    {"attn_q_a_norm.weight", "self_attn.q_a_layernorm.weight"},
    {"attn_q_b.weight", "self_attn.q_b_proj.weight"},
    {"attn_kv_a_mqa.weight", "self_attn.kv_a_proj_with_mqa.weight"},
    {"attn_kv_a_norm.weight", "self_attn.kv_a_layernorm.weight"},
    {"attn_kv_b.weight", "self_attn.kv_b_proj.weight"},  // older converters
    {"attn_k_b.weight", "self_attn.k_b_proj.weight"},    // newer: kv_b split, k part transposed
    {"attn_v_b.weight", "self_attn.v_b_proj.weight"},
    {"attn_output.weight", "self_attn.o_proj.weight"},
    {"ffn_gate.weight", "mlp.gate_proj.weight"},
    {"ffn_up.weight", "mlp.up_proj.weight"},
    {"ffn_down.weight", "mlp.down_proj.weight"},
    {"ffn_gate_inp.weight", "mlp.gate.weight"},
    {"exp_probs_b.bias", "mlp.gate.e_score_correction_bias"},
    {"ffn_gate_shexp.weight", "mlp.shared_experts.gate_proj.weight"},
    {"ffn_up_shexp.weight", "mlp.shared_experts.up_proj.weight"},
    {"ffn_down_shexp.weight", "mlp.shared_experts.down_proj.weight"},
    {"ffn_gate_exps.weight", "mlp.experts.gate_proj.weight"},
    {"ffn_up_exps.weight", "mlp.experts.up_proj.weight"},
}};

bool isDigits(std::string_view s)
{
    if (s.empty() || s.size() > 6 || (s.size() > 1 && s[0] == '0'))
        return false;
    for (char c : s)
        if (c < '0' || c > '9')
            return false;
    return true;
}

std::vector<std::int64_t> rowMajor(const std::vector<std::int64_t>& ne) { return {ne.rbegin(), ne.rend()}; }

// Expert e's slice [rows, cols] of a merged tensor ne = [cols, rowsPerExpert, experts], starting at
// row `firstRow` of that expert.
TensorView expertSlice(const TensorView& merged, std::int64_t e, std::int64_t firstRow, std::int64_t rows,
                       const std::string& name)
{
    const std::int64_t cols = merged.shape[2], perExpert = merged.shape[1];
    const std::size_t rowBytesOf = rowBytes(merged.dtype, cols);
    TensorView v;
    v.name = name;
    v.dtype = merged.dtype;
    v.shape = {rows, cols};
    v.data = merged.data + (static_cast<std::size_t>(e * perExpert + firstRow)) * rowBytesOf;
    v.nbytes = static_cast<std::size_t>(rows) * rowBytesOf;
    v.file = merged.file;
    return v;
}

}  // namespace

std::string hubNameOfGguf(const std::string& n)
{
    if (n == "token_embd.weight")
        return "model.embed_tokens.weight";
    if (n == "output_norm.weight")
        return "model.norm.weight";
    if (n == "output.weight")
        return "lm_head.weight";
    if (n.rfind("blk.", 0) != 0)
        return {};
    const std::size_t dot = n.find('.', 4);
    if (dot == std::string::npos || !isDigits(std::string_view(n).substr(4, dot - 4)))
        return {};
    const std::string layer = "model.layers." + n.substr(4, dot - 4) + ".";
    const std::string_view rest = std::string_view(n).substr(dot + 1);
    if (rest == "ffn_down_exps.weight")
        return layer + "mlp.experts.down_proj.weight";
    if (rest == "ffn_gate_up_exps.weight")
        return layer + "mlp.experts.gate_up_proj.weight";
    for (const auto& [gguf, hub] : kLayerNames)
        if (rest == gguf)
            return layer + hub;
    return {};
}

WeightStore WeightStore::openGguf(const std::string& path)
{
    WeightStore store;
    auto file = std::make_unique<GgufFile>(path);
    auto& tensors = store.m_impl->tensors;
    for (const GgufTensorInfo& t : file->layout().tensors) {
        const std::string hub = hubNameOfGguf(t.name);
        if (hub.empty())
            continue;  // rope_freqs, MTP layers, ...: not used by Fathom
        const GgmlTypeInfo* info = ggmlTypeInfo(t.type);  // known: the parser checked it
        if (!info->dtype)
            throwFileError(path, "tensor " + t.name + " has type " + info->name + ", which Fathom cannot run (it runs " +
                                     supportedGgmlTypes() + "); pick a GGUF file of another quantization");
        TensorView v;
        v.name = hub;
        v.dtype = *info->dtype;
        v.shape = rowMajor(t.ne);
        v.data = t.data;
        v.nbytes = t.nbytes;
        v.file = path;
        const bool merged = hub.find(".mlp.experts.") != std::string::npos;
        if (!merged) {
            tensors.emplace(hub, std::move(v));
            continue;
        }
        if (v.shape.size() != 3)
            throwFileError(path, "tensor " + t.name + " has " + std::to_string(v.shape.size()) +
                                     " dimensions; merged expert tensors have 3 [hidden or ffn, rows, experts]");
        const std::string prefix = hub.substr(0, hub.find(".mlp.experts.") + 13);  // "model.layers.N.mlp.experts."
        const std::string proj = hub.substr(prefix.size());                       // "gate_proj.weight", ...
        for (std::int64_t e = 0; e < v.shape[0]; ++e) {
            const std::string expert = prefix + std::to_string(e) + ".";
            if (proj == "gate_up_proj.weight") {
                if (v.shape[1] % 2 != 0)
                    throwFileError(path, "tensor " + t.name + " stacks gate and up rows but has an odd row count " +
                                             std::to_string(v.shape[1]));
                const std::int64_t half = v.shape[1] / 2;
                tensors.emplace(expert + "gate_proj.weight", expertSlice(v, e, 0, half, expert + "gate_proj.weight"));
                tensors.emplace(expert + "up_proj.weight", expertSlice(v, e, half, half, expert + "up_proj.weight"));
            } else {
                tensors.emplace(expert + proj, expertSlice(v, e, 0, v.shape[1], expert + proj));
            }
        }
    }
    store.m_impl->gguf = std::move(file);
    return store;
}

const GgufFile* WeightStore::gguf() const { return m_impl->gguf.get(); }

}  // namespace fathom::inference
