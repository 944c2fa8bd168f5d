// The packed (GGUF) layout's launches, called from the decode and prefill sequences where the bf16
// layout launches its own kernels: GEMVs over packed blocks (kernels/qgemv), the quantized expert
// kernels, and for prefill GEMMs a bf16 tile dequantized from the packed rows (kernels/dequantize)
// that cuBLAS multiplies on the tensor cores.
#include "inference/cuda/cuda_model_impl.h"

#include "kernels/dequantize.cuh"
#include "kernels/qembedding.cuh"
#include "kernels/qgemv.cuh"
#include "kernels/qmoe_decode.cuh"
#include "kernels/qmoe_prefill.cuh"
#include "kernels/quantize_x8.cuh"

#include <algorithm>

namespace fathom::inference::cuda {

namespace {

constexpr int kLmHeadSlice = 8192;  // lm_head rows dequantized per prefill GEMM (all-logits passes only)
std::size_t dequantBytes(const kernels::QMatrix& m, int maxRows)
{
    return static_cast<std::size_t>(std::min(m.rows, maxRows)) * m.cols * 2;
}

}  // namespace

void CudaModel::Impl::planPackedBuffers(const std::vector<CudaLayerWeights>& layers,
                                        const std::function<void(DeviceBuffer&, std::size_t, const char*)>& want)
{
    if (!packed)
        return;
    std::size_t scratch = static_cast<std::size_t>(kLmHeadSlice) * H * 2;
    for (const CudaLayerWeights& L : layers) {
        for (int i = 0; i < L.qkvaParts; ++i)
            scratch = std::max(scratch, dequantBytes(L.qkvaQ[i], 1 << 30));
        scratch = std::max(scratch, dequantBytes(L.qBQ, 1 << 30));
        scratch = std::max(scratch, dequantBytes(L.oQ, 1 << 30));
    }
    want(dequantWs, scratch, "dequantization scratch");
}

void CudaModel::Impl::qGemv(const kernels::QMatrix& w, const float* xIn, float* y, bool accumulate, const void* xq8)
{
    kernels::QGemvParams g;
    g.w = w;
    g.x = xIn;
    g.y = y;
    g.accumulate = accumulate;
    g.int8_x = int8;
    g.x_q8 = int8 ? xq8 : nullptr;
    kernels::launchQGemv(g, stream);
}

const void* CudaModel::Impl::quantizeForGemv(const float* xIn, int n)
{
    if (!int8 || n % 32 != 0)
        return nullptr;
    kernels::QuantizeX8Params q;
    q.x = xIn;
    q.out = xQ8.as();
    q.n = n;
    kernels::launchQuantizeX8(q, stream);
    return xQ8.as();
}

void CudaModel::Impl::qLinear(const kernels::QMatrix& w, const void* xIn, float* y, int n, std::int64_t ldy, float beta,
                              const char* what)
{
    const int slice = std::max(1, static_cast<int>(dequantWs.bytes() / (static_cast<std::size_t>(w.cols) * 2)));
    for (int r0 = 0; r0 < w.rows; r0 += slice) {
        const int rows = std::min(slice, w.rows - r0);
        kernels::DequantizeParams d;
        d.w = w;
        d.row0 = r0;
        d.n_rows = rows;
        d.out = dequantWs.as<__nv_bfloat16>();
        d.ld = w.cols;
        kernels::launchDequantize(d, stream);
        const float one = 1.f;
        check(cublasGemmEx(cublas, CUBLAS_OP_T, CUBLAS_OP_N, rows, n, w.cols, &one, dequantWs.as(), CUDA_R_16BF, w.cols, xIn,
                           CUDA_R_16BF, w.cols, &beta, y + r0, CUDA_R_32F, static_cast<int>(ldy), CUBLAS_COMPUTE_32F,
                           CUBLAS_GEMM_DEFAULT),
              what);
    }
}

void CudaModel::Impl::qEmbedding(const std::int32_t* tokenIds, int n)
{
    kernels::QEmbeddingParams e;
    e.table = weights->embeddingQ();
    e.ids = tokenIds;
    e.out = h.as<float>();
    e.n_tokens = n;
    kernels::launchQEmbedding(e, stream);
}

namespace {

kernels::QMoeExperts experts(const kernels::QMatrix& gate, const kernels::QMatrix& up, const kernels::QMatrix& down, int inter)
{
    kernels::QMoeExperts e;
    e.gate = gate;
    e.up = up;
    e.down = down;
    e.inter = inter;
    return e;
}

}  // namespace

// One token's experts: x and out are rows of xf and h; the router runs inside the launch unless
// `fusedRouter` is false (prefill's per-token fallback, whose ids come from moe_route).
void CudaModel::Impl::qExpertsDecode(const CudaLayerWeights& L, int t, bool fusedRouter, const void* xq8)
{
    const ModelConfig& c = config;
    const int topK = L.moe ? static_cast<int>(c.numExpertsPerTok) : 0;
    kernels::QMoeDecodeParams ex;
    ex.x = xf.as<float>() + static_cast<std::size_t>(t) * H;
    ex.routed = experts(L.gateQ, L.upQ, L.downQ, L.routedInter);
    ex.shared = experts(L.sGateQ, L.sUpQ, L.sDownQ, L.sharedInter);
    ex.n_shared = L.sharedInter > 0 ? 1 : 0;
    ex.n_routed = L.nRouted;
    ex.top_k = topK;
    ex.topk_ids = L.moe ? topkIds.as<int>() + static_cast<std::size_t>(t) * topK : nullptr;
    ex.topk_weights = L.moe ? topkW.as<float>() + static_cast<std::size_t>(t) * topK : nullptr;
    ex.out = h.as<float>() + static_cast<std::size_t>(t) * H;
    ex.accumulate = 1;
    ex.h_ws = expertWs.as<float>();
    ex.sync_ws = expertSync.as<int>();
    ex.hidden = H;
    ex.int8_x = int8;
    ex.x_q8 = int8 ? xq8 : nullptr;
    if (L.moe && fusedRouter)
        fuseRouter(ex, L);
    kernels::launchQMoeDecode(ex, stream);
}

void CudaModel::Impl::qExpertsPrefill(const CudaLayerWeights& L, int n)
{
    if (!groupedExperts) {  // hidden not a multiple of 128: one decode launch per token (small models)
        for (int t = 0; t < n; ++t)
            qExpertsDecode(L, t, false);
        ++paths.expertsPerToken;
        return;
    }
    ++paths.expertsGrouped;
    kernels::QMoePrefillParams mp;
    mp.routed.gate = L.gateQ;
    mp.routed.up = L.upQ;
    mp.routed.down = L.downQ;
    mp.routed.inter = L.routedInter;
    mp.shared.gate = L.sGateQ;
    mp.shared.up = L.sUpQ;
    mp.shared.down = L.sDownQ;
    mp.shared.inter = L.sharedInter;
    mp.has_shared = L.sharedInter > 0 ? 1 : 0;
    groupedExpertInputs(mp, L, n);
    kernels::launchQMoePrefill(mp, stream);
}

}  // namespace fathom::inference::cuda
