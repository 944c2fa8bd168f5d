// The packed weight layout (cuda_weights.h): GGUF's block-quantized matrices uploaded as the file
// stores them, so the GPU holds about the file's size and the q* kernels (kernels/qmatrix.cuh)
// dequantize in registers. Only layout facts are decided here: which matrices share one launch,
// where the routed and shared experts live.
#include "inference/cuda/cuda_weights.h"

#include "inference/cuda/upload_plan.h"

#include "base/error.h"

#include <algorithm>
#include <memory>

namespace fathom::inference::cuda {

namespace {

kernels::WType wtype(DType t) { return static_cast<kernels::WType>(static_cast<int>(t)); }

// The matrix's rows at arena offset `at` (bound to a device pointer later).
struct PlannedMatrix {
    std::size_t at = 0;
    kernels::QMatrix m;  // data unset until bound
};

void checkMatrix(const TensorView& t, std::int64_t rows, std::int64_t cols)
{
    if (t.numel() != rows * cols || cols % blockElements(t.dtype) != 0 || cols % 8 != 0)
        throwFileError(t.file, "tensor " + t.name + " (" + dtypeName(t.dtype) + ") cannot be read as a " + std::to_string(rows) +
                                   " × " + std::to_string(cols) + " matrix by the CUDA kernels");
}

PlannedMatrix matrix(Plan& plan, const TensorView& t, std::int64_t rows, std::int64_t cols)
{
    checkMatrix(t, rows, cols);
    PlannedMatrix p;
    p.at = plan.raw(t);
    p.m.type = wtype(t.dtype);
    p.m.rows = static_cast<int>(rows);
    p.m.cols = static_cast<int>(cols);
    p.m.row_bytes = static_cast<std::int64_t>(rowBytes(t.dtype, cols));
    return p;
}

// Several tensors of one type stacked by rows into one matrix (the experts of a merged GGUF
// tensor, viewed per expert by the store; q_proj on top of kv_a).
PlannedMatrix stacked(Plan& plan, const std::vector<const TensorView*>& parts, std::int64_t cols)
{
    PlannedMatrix p;
    std::int64_t rows = 0;
    std::size_t bytes = 0;
    for (const TensorView* t : parts) {
        checkMatrix(*t, t->numel() / cols, cols);
        if (t->dtype != parts[0]->dtype)
            throwFileError(t->file, "tensor " + t->name + " is " + dtypeName(t->dtype) + " but " + parts[0]->name + " is " +
                                        dtypeName(parts[0]->dtype) + "; the CUDA backend needs one type per expert tensor");
        rows += t->numel() / cols;
        bytes += t->nbytes;
    }
    p.at = plan.reserve(bytes);
    std::size_t at = p.at;
    for (const TensorView* t : parts) {
        plan.raw(*t, at);
        at += t->nbytes;
    }
    p.m.type = wtype(parts[0]->dtype);
    p.m.rows = static_cast<int>(rows);
    p.m.cols = static_cast<int>(cols);
    p.m.row_bytes = static_cast<std::int64_t>(rowBytes(parts[0]->dtype, cols));
    return p;
}

// The same rows converted to bf16 on the host: for a gate / up pair the file stores in two types
// (the expert kernels read a pair in one type; llama-quantize never splits them, hand-made files may).
PlannedMatrix stackedBf16(Plan& plan, const std::vector<const TensorView*>& parts, std::int64_t cols)
{
    PlannedMatrix p;
    std::int64_t rows = 0;
    for (const TensorView* t : parts) {
        checkMatrix(*t, t->numel() / cols, cols);
        rows += t->numel() / cols;
    }
    const std::size_t rowBytes = static_cast<std::size_t>(cols) * 2;
    p.at = plan.reserve(rowBytes * static_cast<std::size_t>(rows));
    std::size_t at = p.at;
    for (const TensorView* t : parts) {
        const std::int64_t n = t->numel() / cols;
        const std::int64_t step = std::max<std::int64_t>(1, static_cast<std::int64_t>(kStaging / rowBytes));
        for (std::int64_t r = 0; r < n; r += step)
            plan.add(at + static_cast<std::size_t>(r) * rowBytes, static_cast<std::size_t>(std::min(step, n - r)) * rowBytes,
                     [t, r, m = std::min(step, n - r)](bf16* out) { rowsToBf16(*t, r, m, out); });
        at += rowBytes * static_cast<std::size_t>(n);
    }
    p.m.type = kernels::WType::BF16;
    p.m.rows = static_cast<int>(rows);
    p.m.cols = static_cast<int>(cols);
    p.m.row_bytes = static_cast<std::int64_t>(rowBytes);
    return p;
}

// gate and up of one expert group: as stored when their types agree, else both in bf16.
void gateUp(Plan& plan, const std::vector<const TensorView*>& g, const std::vector<const TensorView*>& u, std::int64_t cols,
            PlannedMatrix& gate, PlannedMatrix& up)
{
    const bool same = g[0]->dtype == u[0]->dtype;
    gate = same ? stacked(plan, g, cols) : stackedBf16(plan, g, cols);
    up = same ? stacked(plan, u, cols) : stackedBf16(plan, u, cols);
}

kernels::QMatrix bound(const PlannedMatrix& p, std::byte* base)
{
    kernels::QMatrix m = p.m;
    m.data = base + p.at;
    return m;
}

}  // namespace

bool CudaWeights::packedLayout(const ModelConfig& c, const WeightStore& w)
{
    (void)c;
    for (const std::string& name : w.names())
        if (isQuantized(w.get(name).dtype))
            return true;
    return false;
}

std::function<void(std::byte*)> CudaWeights::layoutPacked(const ModelConfig& c, const WeightStore& w, Plan& plan)
{
    const std::int64_t H = c.hiddenSize, NH = c.numHeads, qDim = c.qkNopeHeadDim + c.qkRopeHeadDim;
    const std::int64_t kvWidth = c.kvLoraRank + c.qkRopeHeadDim;
    const bool qLora = c.qLoraRank > 0;
    const std::int64_t qRows = qLora ? c.qLoraRank : NH * qDim;
    struct Offsets {
        SmallPieces small;
        PlannedMatrix qkva[2], qB, o, gate, up, down, sGate, sUp, sDown;
        int qkvaParts = 0;
    };
    auto off = std::make_shared<std::vector<Offsets>>(static_cast<std::size_t>(c.numLayers));
    m_layers.resize(static_cast<std::size_t>(c.numLayers));

    const TensorView& embed = w.get("model.embed_tokens.weight");
    const PlannedMatrix embedM = matrix(plan, embed, c.vocabSize, H);
    const std::size_t normAt = plan.tensor(w.get("model.norm.weight"));
    const PlannedMatrix headM = matrix(plan, w.get(c.tieWordEmbeddings ? "model.embed_tokens.weight" : "lm_head.weight"), c.vocabSize, H);

    for (std::int64_t l = 0; l < c.numLayers; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        Offsets& o = (*off)[static_cast<std::size_t>(l)];
        CudaLayerWeights& L = m_layers[static_cast<std::size_t>(l)];
        L.moe = c.isMoeLayer(l);
        o.small = planSmallPieces(c, w, l, plan);
        o.o = matrix(plan, w.get(p + "self_attn.o_proj.weight"), H, NH * c.vHeadDim);
        if (qLora)
            o.qB = matrix(plan, w.get(p + "self_attn.q_b_proj.weight"), NH * qDim, c.qLoraRank);

        // q rows and kv_a rows: one matrix (one launch) when the file stores both in one type and
        // the q part ends on a 16-byte boundary, else two.
        const TensorView& q = w.get(p + (qLora ? "self_attn.q_a_proj.weight" : "self_attn.q_proj.weight"));
        const TensorView& kva = w.get(p + "self_attn.kv_a_proj_with_mqa.weight");
        if (q.dtype == kva.dtype && q.nbytes % 16 == 0) {
            o.qkva[0] = stacked(plan, {&q, &kva}, H);
            o.qkvaParts = 1;
        } else {
            o.qkva[0] = matrix(plan, q, qRows, H);
            o.qkva[1] = matrix(plan, kva, kvWidth, H);
            o.qkvaParts = 2;
        }

        if (L.moe) {
            const std::int64_t inter = c.moeIntermediateSize;
            std::vector<const TensorView*> g, u, d;
            for (std::int64_t e = 0; e < c.nRoutedExperts; ++e) {
                const std::string pe = p + "mlp.experts." + std::to_string(e) + ".";
                g.push_back(&w.get(pe + "gate_proj.weight"));
                u.push_back(&w.get(pe + "up_proj.weight"));
                d.push_back(&w.get(pe + "down_proj.weight"));
            }
            gateUp(plan, g, u, H, o.gate, o.up);
            o.down = stacked(plan, d, inter);
            L.nRouted = static_cast<int>(c.nRoutedExperts);
            L.routedInter = static_cast<int>(inter);
            L.sharedInter = static_cast<int>(c.nSharedExperts * inter);
        } else {
            L.sharedInter = static_cast<int>(c.intermediateSize);
        }
        if (L.sharedInter > 0) {
            const std::string ps = p + (L.moe ? "mlp.shared_experts." : "mlp.");
            gateUp(plan, {&w.get(ps + "gate_proj.weight")}, {&w.get(ps + "up_proj.weight")}, H, o.sGate, o.sUp);
            o.sDown = matrix(plan, w.get(ps + "down_proj.weight"), H, L.sharedInter);
        }
    }

    return [this, off, embedM, normAt, headM, qLora](std::byte* base) {
        m_embedQ = bound(embedM, base);
        m_lmHeadQ = bound(headM, base);
        m_finalNorm = reinterpret_cast<const bf16*>(base + normAt);
        for (std::size_t l = 0; l < m_layers.size(); ++l) {
            const Offsets& o = (*off)[l];
            CudaLayerWeights& L = m_layers[l];
            bindSmallPieces(o.small, base, qLora, L);
            L.qkvaParts = o.qkvaParts;
            for (int i = 0; i < o.qkvaParts; ++i)
                L.qkvaQ[i] = bound(o.qkva[i], base);
            if (qLora)
                L.qBQ = bound(o.qB, base);
            L.oQ = bound(o.o, base);
            if (L.moe) {
                L.gateQ = bound(o.gate, base);
                L.upQ = bound(o.up, base);
                L.downQ = bound(o.down, base);
            }
            if (L.sharedInter > 0) {
                L.sGateQ = bound(o.sGate, base);
                L.sUpQ = bound(o.sUp, base);
                L.sDownQ = bound(o.sDown, base);
            }
        }
    };
}

}  // namespace fathom::inference::cuda
