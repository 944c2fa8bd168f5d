// Weight upload: a plan of pieces (device offset, size, a function that writes the piece's bf16
// bytes), laid out in one arena, then streamed by several threads through pinned buffers so host
// packing and PCIe copies overlap. Pieces are made per row block, so no layout ever needs a
// whole-model copy.
#include "inference/cuda/cuda_weights.h"

#include "inference/cuda/upload_plan.h"

#include "base/error.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <string>

namespace fathom::inference::cuda {

CudaWeights::CudaWeights(const ModelConfig& c, const WeightStore& w, const std::function<void(double)>& progress,
                         const AllocateCheck& beforeAllocate)
{
    const auto t0 = std::chrono::steady_clock::now();
    m_packed = packedLayout(c, w);
    Plan plan;
    const std::function<void(std::byte*)> bind = m_packed ? layoutPacked(c, w, plan) : layoutBf16(c, w, plan);
    if (beforeAllocate)
        beforeAllocate(plan.size(), m_layers);
    m_arena.allocate(plan.size(), "the model's weights (" + std::to_string(plan.size() >> 20) + " MiB" +
                                      (m_packed ? ")" : " in bf16)"));
    bind(m_arena.as<std::byte>());
    streamUpload(plan, m_arena.as<std::byte>(), progress);
    m_stats.bytes = static_cast<double>(plan.size());
    m_stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::function<void(std::byte*)> CudaWeights::layoutBf16(const ModelConfig& c, const WeightStore& w, Plan& plan)
{
    const std::int64_t H = c.hiddenSize, NH = c.numHeads, nope = c.qkNopeHeadDim, rope = c.qkRopeHeadDim;
    const std::int64_t rank = c.kvLoraRank, qDim = nope + rope;
    const bool qLora = c.qLoraRank > 0;
    const std::int64_t qRows = qLora ? c.qLoraRank : NH * qDim;  // rows of the q part of qkva
    struct Offsets {
        SmallPieces small;
        std::size_t qkva = 0, o = 0, qB = 0, w13 = 0, w2 = 0;
    };
    auto off = std::make_shared<std::vector<Offsets>>(static_cast<std::size_t>(c.numLayers));
    m_layers.resize(static_cast<std::size_t>(c.numLayers));

    const std::size_t embedAt = plan.tensor(w.get("model.embed_tokens.weight"));
    const std::size_t normAt = plan.tensor(w.get("model.norm.weight"));
    const std::size_t headAt = plan.tensor(w.get(c.tieWordEmbeddings ? "model.embed_tokens.weight" : "lm_head.weight"));

    for (std::int64_t l = 0; l < c.numLayers; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        Offsets& o = (*off)[static_cast<std::size_t>(l)];
        CudaLayerWeights& L = m_layers[static_cast<std::size_t>(l)];
        o.small = planSmallPieces(c, w, l, plan);
        o.o = plan.tensor(w.get(p + "self_attn.o_proj.weight"));

        // q_proj, or q_a_proj with q_b_proj when q_lora_rank is set (V2 / V3 attention).
        const TensorView& q = w.get(p + (qLora ? "self_attn.q_a_proj.weight" : "self_attn.q_proj.weight"));
        if (qLora)
            o.qB = plan.tensor(w.get(p + "self_attn.q_b_proj.weight"));
        const TensorView& kva = w.get(p + "self_attn.kv_a_proj_with_mqa.weight");
        if (!plan.seen("qkva", q, o.qkva)) {  // [q_proj or q_a_proj; kv_a]: one GEMV reads both
            o.qkva = plan.reserve(static_cast<std::size_t>((qRows + rank + rope) * H) * 2);
            plan.remember(o.qkva);
            const std::int64_t step = std::max<std::int64_t>(1, static_cast<std::int64_t>(kStaging / (H * 2)));
            for (std::int64_t r = 0; r < qRows; r += step)
                plan.add(o.qkva + r * H * 2, std::min(step, qRows - r) * H * 2,
                         [qp = &q, r, n = std::min(step, qRows - r)](bf16* out) { rowsToBf16(*qp, r, n, out); });
            plan.add(o.qkva + qRows * H * 2, (rank + rope) * H * 2,
                     [kp = &kva, n = rank + rope](bf16* out) { rowsToBf16(*kp, 0, n, out); });
        }

        // MLP / MoE experts in the MoE kernels' slot layout.
        const bool moe = c.isMoeLayer(l);
        L.moe = moe;
        L.nRouted = moe ? static_cast<int>(c.nRoutedExperts) : 0;
        L.nSharedSlots = moe ? static_cast<int>(c.nSharedExperts) : 1;
        const std::int64_t realInter = moe ? c.moeIntermediateSize : c.intermediateSize;
        L.inter = static_cast<int>((realInter + 63) / 64 * 64);  // zero-padded to the kernels' 64-row block
        const std::int64_t inter = L.inter, slots = L.nRouted + L.nSharedSlots;
        // Source of slot e: (prefix, first intermediate row) — routed experts whole, shared pieces cut.
        auto slotSource = [&](std::int64_t e) {
            if (!moe)
                return std::make_pair(p + "mlp.", std::int64_t(0));
            if (e < L.nRouted)
                return std::make_pair(p + "mlp.experts." + std::to_string(e) + ".", std::int64_t(0));
            return std::make_pair(p + "mlp.shared_experts.", (e - L.nRouted) * realInter);
        };
        const TensorView& firstGate = w.get(slotSource(0).first + "gate_proj.weight");
        if (!plan.seen("w13", firstGate, o.w13)) {
            o.w13 = plan.reserve(static_cast<std::size_t>(slots * 2 * inter * H) * 2);
            o.w2 = plan.reserve(static_cast<std::size_t>(slots * H * inter) * 2);
            plan.remember(o.w13);
            for (std::int64_t e = 0; e < slots; ++e) {
                const auto [pre, row0] = slotSource(e);
                const TensorView& g = w.get(pre + "gate_proj.weight");
                const TensorView& u = w.get(pre + "up_proj.weight");
                const TensorView& d = w.get(pre + "down_proj.weight");
                // w13 in pieces of at most 64 blocks (64 gate + 64 up rows each); rows past the
                // model's intermediate size (the last block when it is not a multiple of 64) are zero.
                const std::int64_t blocks = inter / 64, perPiece = std::max<std::int64_t>(1, kStaging / (128 * H * 2));
                for (std::int64_t b0 = 0; b0 < blocks; b0 += perPiece) {
                    const std::int64_t nb = std::min(perPiece, blocks - b0);
                    plan.add(o.w13 + ((e * 2 * inter) + b0 * 128) * H * 2, nb * 128 * H * 2,
                             [gp = &g, up = &u, row0 = row0, b0, nb, H, realInter](bf16* out) {
                                 if ((b0 + nb) * 64 > realInter)  // only a padded last block needs zeros
                                     std::memset(out, 0, static_cast<std::size_t>(nb * 128 * H) * 2);
                                 for (std::int64_t b = 0; b < nb; ++b) {
                                     const std::int64_t first = (b0 + b) * 64;
                                     const std::int64_t n = std::min<std::int64_t>(64, realInter - first);
                                     if (n <= 0)
                                         continue;
                                     rowsToBf16(*gp, row0 + first, n, out + b * 128 * H);
                                     rowsToBf16(*up, row0 + first, n, out + (b * 128 + 64) * H);
                                 }
                             });
                }
                // w2[e] = down_proj columns [row0, row0+realInter) of [H, cols], zero-padded to inter.
                plan.add(o.w2 + e * H * inter * 2, H * inter * 2, [dp = &d, row0 = row0, inter, realInter, H](bf16* out) {
                    const std::int64_t cols = dp->shape[1];
                    std::vector<bf16> row(static_cast<std::size_t>(cols));
                    if (realInter < inter)
                        std::memset(out, 0, static_cast<std::size_t>(H * inter) * 2);
                    for (std::int64_t r = 0; r < H; ++r) {
                        rowsToBf16(*dp, r, 1, row.data());
                        std::memcpy(out + r * inter, row.data() + row0, static_cast<std::size_t>(realInter) * 2);
                    }
                });
            }
        } else {
            o.w2 = o.w13 + static_cast<std::size_t>(((slots * 2 * inter * H) * 2 + 255) & ~std::int64_t(255));
        }
    }

    return [this, off, embedAt, normAt, headAt, qLora](std::byte* base) {
        auto at = [base](std::size_t o) { return reinterpret_cast<const bf16*>(base + o); };
        m_embed = at(embedAt);
        m_finalNorm = at(normAt);
        m_lmHead = at(headAt);
        for (std::size_t l = 0; l < m_layers.size(); ++l) {
            const Offsets& o = (*off)[l];
            CudaLayerWeights& L = m_layers[l];
            bindSmallPieces(o.small, base, qLora, L);
            L.qkva = at(o.qkva);
            L.qB = qLora ? at(o.qB) : nullptr;
            L.oProj = at(o.o);
            L.w13 = at(o.w13);
            L.w2 = at(o.w2);
        }
    };
}

}  // namespace fathom::inference::cuda
