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
    std::size_t expertWs = 0;
    for (const CudaLayerWeights& L : layers) {
        for (int i = 0; i < L.qkvaParts; ++i)
            scratch = std::max(scratch, dequantBytes(L.qkvaQ[i], 1 << 30));
        scratch = std::max(scratch, dequantBytes(L.qBQ, 1 << 30));
        scratch = std::max(scratch, dequantBytes(L.oQ, 1 << 30));
        kernels::QMoePrefillShape shape;
        shape.n_tokens = chunk;
        shape.hidden = H;
        shape.n_routed = L.nRouted;
        shape.top_k = L.moe ? static_cast<int>(config.numExpertsPerTok) : 0;
        shape.routed_inter = L.routedInter;
        shape.shared_inter = L.sharedInter;
        expertWs = std::max(expertWs, kernels::qmoePrefillWorkspaceBytes(shape));
    }
    want(dequantWs, scratch, "dequantization scratch");
    want(qExpertWs, expertWs, "expert workspace");
}

void CudaModel::Impl::qGemv(const kernels::QMatrix& w, const float* xIn, float* y, bool accumulate)
{
    kernels::QGemvParams g;
    g.w = w;
    g.x = xIn;
    g.y = y;
    g.accumulate = accumulate;
    kernels::launchQGemv(g, stream);
}

void CudaModel::Impl::qLinear(const kernels::QMatrix& w, const void* xIn, float* y, int n, std::int64_t ldy, float beta,
                              const char* what)
{
    const int slice = std::max(1, static_cast<int>(dequantWs.bytes() / (static_cast<std::size_t>(w.cols) * 2)));
    for (int r0 = 0; r0 < w.rows; r0 += slice) {
        const int rows = std::min(slice, w.rows - r0);
        kernels::DequantizeParams d;
        d.src = w;
        d.row0 = r0;
        d.n_rows = rows;
        d.out = dequantWs.as();
        d.ld_out = w.cols;
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

void CudaModel::Impl::qExpertsDecode(const CudaLayerWeights& L)
{
    const ModelConfig& c = config;
    kernels::QMoeDecodeParams ex;
    ex.x_f32 = xf.as<float>();
    ex.routed.gate = L.gateQ;
    ex.routed.up = L.upQ;
    ex.routed.down = L.downQ;
    ex.routed.inter = L.routedInter;
    ex.shared.gate = L.sGateQ;
    ex.shared.up = L.sUpQ;
    ex.shared.down = L.sDownQ;
    ex.shared.inter = L.sharedInter;
    ex.n_routed = L.nRouted;
    ex.top_k = L.moe ? static_cast<int>(c.numExpertsPerTok) : 0;
    ex.topk_ids = L.moe ? topkIds.as<int>() : nullptr;
    ex.topk_weights = L.moe ? topkW.as<float>() : nullptr;
    ex.out_f32 = h.as<float>();
    ex.accumulate = 1;
    ex.h_ws = expertWs.as<float>();
    ex.sync_ws = expertSync.as<int>();
    ex.hidden = H;
    if (L.moe) {
        ex.gate_w = L.router;
        ex.bias = L.routerBias;
        ex.logits_ws = routerLogits.as<float>();
        ex.n_group = static_cast<int>(c.nGroup);
        ex.topk_group = static_cast<int>(c.topkGroup);
        ex.method = routeMethod(c.topkMethod);
        ex.scoring = c.scoringFunc == ScoringFunc::Sigmoid ? kernels::MoeScoring::Sigmoid : kernels::MoeScoring::Softmax;
        ex.norm_topk_prob = c.normTopkProb ? 1 : 0;
        ex.routed_scaling_factor = static_cast<float>(c.routedScalingFactor);
    }
    kernels::launchQMoeDecode(ex, stream);
}

void CudaModel::Impl::qExpertsPrefill(const CudaLayerWeights& L, int n)
{
    kernels::QMoePrefillParams mp;
    mp.x = xb.as<__nv_bfloat16>();
    mp.routed.gate = L.gateQ;
    mp.routed.up = L.upQ;
    mp.routed.down = L.downQ;
    mp.routed.inter = L.routedInter;
    mp.shared.gate = L.sGateQ;
    mp.shared.up = L.sUpQ;
    mp.shared.down = L.sDownQ;
    mp.shared.inter = L.sharedInter;
    mp.n_routed = L.nRouted;
    mp.top_k = L.moe ? static_cast<int>(config.numExpertsPerTok) : 0;
    mp.topk_ids = L.moe ? topkIds.as<int>() : nullptr;
    mp.topk_weights = L.moe ? topkW.as<float>() : nullptr;
    mp.out_f32 = h.as<float>();
    mp.accumulate = 1;
    mp.n_tokens = n;
    mp.hidden = H;
    mp.workspace = qExpertWs.as();
    mp.workspace_bytes = qExpertWs.bytes();
    kernels::launchQMoePrefill(mp, stream);
}

}  // namespace fathom::inference::cuda
