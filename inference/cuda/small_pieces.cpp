// The per-layer pieces both weight layouts keep in bf16 / fp32 (upload_plan.h): small next to the
// matrices, and read in layouts of the attention kernels' own (kv_b per head, W_uk transposed), so
// they are converted on the host whatever the file stores, block-quantized types included.
#include "inference/cuda/upload_plan.h"

#include <algorithm>
#include <vector>

namespace fathom::inference::cuda {

namespace {

// Head h of kv_b_proj as bf16 [nope + v, kv_lora] (nope rows of W_uk, then v rows of W_uv), from
// kv_b_proj itself or from the split k_b_proj [heads, kv_lora, nope] / v_b_proj [heads, v, kv_lora].
void kvBHead(const ModelConfig& c, const WeightStore& w, const std::string& p, std::int64_t h, bf16* out)
{
    const std::int64_t nope = c.qkNopeHeadDim, v = c.vHeadDim, rank = c.kvLoraRank;
    std::vector<float> rows(static_cast<std::size_t>((nope + v) * rank));
    if (const TensorView* kvb = w.find(p + "self_attn.kv_b_proj.weight")) {
        toFloat(*kvb, h * (nope + v) * rank, (nope + v) * rank, rows.data());
    } else {
        std::vector<float> k(static_cast<std::size_t>(rank * nope));
        toFloat(w.get(p + "self_attn.k_b_proj.weight"), h * rank * nope, rank * nope, k.data());
        for (std::int64_t d = 0; d < nope; ++d)
            for (std::int64_t cc = 0; cc < rank; ++cc)
                rows[static_cast<std::size_t>(d * rank + cc)] = k[static_cast<std::size_t>(cc * nope + d)];
        toFloat(w.get(p + "self_attn.v_b_proj.weight"), h * v * rank, v * rank, rows.data() + nope * rank);
    }
    fromFloat(DType::BF16, rows.data(), static_cast<std::int64_t>(rows.size()), reinterpret_cast<std::byte*>(out));
}

}  // namespace

SmallPieces planSmallPieces(const ModelConfig& c, const WeightStore& w, std::int64_t l, Plan& plan)
{
    const std::int64_t H = c.hiddenSize, NH = c.numHeads, nope = c.qkNopeHeadDim, rank = c.kvLoraRank, vdim = c.vHeadDim;
    const std::string p = "model.layers." + std::to_string(l) + ".";
    SmallPieces o;
    o.in = plan.tensor(w.get(p + "input_layernorm.weight"));
    o.post = plan.tensor(w.get(p + "post_attention_layernorm.weight"));
    o.kvANorm = plan.tensor(w.get(p + "self_attn.kv_a_layernorm.weight"));
    if (c.qLoraRank > 0)
        o.qANorm = plan.tensor(w.get(p + "self_attn.q_a_layernorm.weight"));

    // kv_b [heads * (nope + v), kv_lora] and ukT[h][c][d] = kv_b[h*(nope+v) + d][c], head by head.
    const TensorView* kvbKey = w.find(p + "self_attn.kv_b_proj.weight");
    const TensorView& key = kvbKey ? *kvbKey : w.get(p + "self_attn.k_b_proj.weight");
    if (!plan.seen("kvB", key, o.kvB)) {
        const std::size_t headBytes = static_cast<std::size_t>((nope + vdim) * rank) * 2;
        o.kvB = plan.reserve(headBytes * NH);
        plan.remember(o.kvB);
        for (std::int64_t h = 0; h < NH; ++h)
            plan.add(o.kvB + h * headBytes, headBytes, [&c, &w, p, h](bf16* out) { kvBHead(c, w, p, h, out); });
    }
    if (!plan.seen("ukT", key, o.ukT)) {
        o.ukT = plan.reserve(static_cast<std::size_t>(NH * rank * nope) * 2);
        plan.remember(o.ukT);
        for (std::int64_t h = 0; h < NH; ++h)
            plan.add(o.ukT + h * rank * nope * 2, rank * nope * 2, [&c, &w, p, h, rank, nope, vdim](bf16* out) {
                std::vector<bf16> rows(static_cast<std::size_t>((nope + vdim) * rank));
                kvBHead(c, w, p, h, rows.data());
                for (std::int64_t d = 0; d < nope; ++d)
                    for (std::int64_t cc = 0; cc < rank; ++cc)
                        out[cc * nope + d] = rows[static_cast<std::size_t>(d * rank + cc)];
            });
    }

    if (c.isMoeLayer(l)) {
        const TensorView& gate = w.get(p + "mlp.gate.weight");  // widened to fp32: the router runs in fp32
        if (!plan.seen("router", gate, o.router)) {
            o.router = plan.reserve(static_cast<std::size_t>(gate.numel()) * 4);
            plan.remember(o.router);
            const std::int64_t step = std::max<std::int64_t>(1, static_cast<std::int64_t>(kStaging / (H * 4)));
            for (std::int64_t r = 0; r < c.nRoutedExperts; r += step)
                plan.add(o.router + r * H * 4, std::min(step, c.nRoutedExperts - r) * H * 4,
                         [gp = &gate, r, n = std::min(step, c.nRoutedExperts - r), H](bf16* out) {
                             toFloat(*gp, r * H, n * H, reinterpret_cast<float*>(out));
                         });
        }
        if (c.topkMethod == TopkMethod::NoauxTc) {
            const TensorView& b = w.get(p + "mlp.gate.e_score_correction_bias");
            o.bias = plan.reserve(static_cast<std::size_t>(c.nRoutedExperts) * 4);
            plan.add(o.bias, c.nRoutedExperts * 4,
                     [bp = &b](bf16* out) { toFloat(*bp, 0, bp->numel(), reinterpret_cast<float*>(out)); });
        }
    }
    return o;
}

void bindSmallPieces(const SmallPieces& o, std::byte* base, bool qLora, CudaLayerWeights& L)
{
    auto at = [base](std::size_t off) { return reinterpret_cast<const bf16*>(base + off); };
    L.inputNorm = at(o.in);
    L.postNorm = at(o.post);
    L.kvANorm = at(o.kvANorm);
    L.kvB = at(o.kvB);
    L.ukT = at(o.ukT);
    L.qANorm = qLora ? at(o.qANorm) : nullptr;
    L.router = L.moe ? reinterpret_cast<const float*>(base + o.router) : nullptr;
    L.routerBias = o.bias ? reinterpret_cast<const float*>(base + o.bias) : nullptr;
}

}  // namespace fathom::inference::cuda
