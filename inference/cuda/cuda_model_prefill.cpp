// Prefill over n tokens: cuBLAS GEMMs for the projections (bf16 in, fp32 out; o_proj adds straight
// into the residual with beta = 1), our kernels for norms, rope, the latent cache and attention,
// and the grouped expert GEMMs of kernels/moe_prefill.cu. Not graph-captured: sizes change with every prompt.
#include "inference/cuda/cuda_model_impl.h"

#include "kernels/embedding.cuh"
#include "kernels/gemv.cuh"
#include "kernels/mla_kv_append.cuh"
#include "kernels/mla_prefill.cuh"
#include "kernels/moe_expert_decode.cuh"
#include "kernels/moe_prefill.cuh"
#include "kernels/rmsnorm.cuh"
#include "kernels/rope.cuh"

#include <vector>

namespace fathom::inference::cuda {

namespace {

// y[n, out] (fp32) = x[n, in] (bf16) W[out, in]^T (bf16) + beta y.
void linear(CudaModel::Impl& m, const void* x, const void* w, float* y, int n, int in, int out, float beta,
            const char* what)
{
    const float one = 1.f;
    check(cublasGemmEx(m.cublas, CUBLAS_OP_T, CUBLAS_OP_N, out, n, in, &one, w, CUDA_R_16BF, in, x, CUDA_R_16BF, in,
                       &beta, y, CUDA_R_32F, out, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
          what);
}

}  // namespace

// h[t] += experts(xb[t]) for t < n, one moe_expert_decode launch per token: the fallback for hidden
// sizes moe_prefill's 128-wide tiles do not fit (small models, where n launches cost little). The
// launches share the expert workspaces; they are serialized on the stream and each leaves them ready.
void CudaModel::Impl::enqueueExpertsPerToken(const CudaLayerWeights& L, int n)
{
    for (int t = 0; t < n; ++t) {
        kernels::launchMoeExpertDecode(expertParams(L, t), stream);
    }
    ++paths.expertsPerToken;
}

void CudaModel::Impl::enqueuePrefill(const std::int32_t* tokens, int n, std::int64_t startPos, bool lastOnly)
{
    cudaStream_t s = stream;
    std::vector<std::int32_t> p(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i)
        p[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(startPos + i);
    check(cudaMemcpyAsync(ids.as(), tokens, static_cast<std::size_t>(n) * 4, cudaMemcpyHostToDevice, s), "uploading prompt tokens");
    check(cudaMemcpyAsync(positions.as(), p.data(), p.size() * 4, cudaMemcpyHostToDevice, s), "uploading positions");
    float* hp = h.as<float>();
    float* qkvp = qkv.as<float>();

    enqueueEmbedding(ids.as<std::int32_t>(), n);

    for (std::size_t l = 0; l < weights->layers().size(); ++l) {
        const CudaLayerWeights& L = weights->layers()[l];
        kernels::RmsNormParams n1;
        n1.residual = hp;
        n1.weight = L.inputNorm;
        n1.out = xb.as();
        n1.out_bf16 = true;
        n1.n_rows = n;
        n1.dim = H;
        n1.eps = eps;
        kernels::launchRmsNorm(n1, s);

        if (packed) {
            qLinear(L.qkvaQ[0], xb.as(), qkvp, n, qkvRows, 0.f, "the q / kv_a projection");
            if (L.qkvaParts == 2)
                qLinear(L.qkvaQ[1], xb.as(), qkvp + qaRows, n, qkvRows, 0.f, "the kv_a projection");
        } else {
            linear(*this, xb.as(), L.qkva, qkvp, n, H, qkvRows, 0.f, "the q / kv_a projection");
        }

        const float* q = qkvp;  // fp32 q heads of row t at q + t * qRowStride
        std::int64_t qRowStride = qkvRows;
        if (qLora > 0) {        // q = q_b_proj(q_a_layernorm(q_a)): norm to bf16, then one more GEMM
            kernels::RmsNormParams qn;
            qn.residual = qkvp;
            qn.residual_stride = qkvRows;
            qn.weight = L.qANorm;
            qn.out = qNorm.as();
            qn.out_bf16 = true;
            qn.n_rows = n;
            qn.dim = qLora;
            qn.eps = eps;
            kernels::launchRmsNorm(qn, s);
            if (packed)
                qLinear(L.qBQ, qNorm.as(), qFull.as<float>(), n, NH * qDim, 0.f, "q_b_proj");
            else
                linear(*this, qNorm.as(), L.qB, qFull.as<float>(), n, qLora, NH * qDim, 0.f, "q_b_proj");
            q = qFull.as<float>();
            qRowStride = static_cast<std::int64_t>(NH) * qDim;
            ++paths.qLoraLayers;
        }

        const kernels::MlaKvAppendParams a = kvAppendParams(l, qkvp + qaRows, qkvRows, positions.as<std::int32_t>(), n);
        kernels::launchMlaKvAppend(a, s);

        kernels::RopeParams r;  // q heads: copy nope, rotate rope, to bf16 for the attention GEMMs
        r.in = q;
        r.out = qb.as();
        r.out_bf16 = true;
        r.positions = positions.as<std::int32_t>();
        r.cos = ropeCos.as<float>();
        r.sin = ropeSin.as<float>();
        r.max_position = capacity;
        r.n_tokens = n;
        r.n_heads = NH;
        r.head_dim = qDim;
        r.rope_offset = nope;
        r.in_row_stride = qRowStride;
        r.in_head_stride = qDim;
        r.out_row_stride = static_cast<std::int64_t>(NH) * qDim;
        r.out_head_stride = qDim;
        kernels::launchRope(r, s);

        kernels::MlaPrefillParams at;
        at.q = qb.as();
        at.cache = a.cache;
        at.block_table = blockTable.as<std::int32_t>();
        at.max_blocks = pages;
        at.kv_b = L.kvB;
        at.out = attn.as();
        at.q_start = static_cast<int>(startPos);
        at.n_q = n;
        at.num_heads = NH;
        at.kv_lora_rank = rank;
        at.rope_dim = rope;
        at.nope_dim = nope;
        at.v_dim = vdim;
        at.scale = scale;
        at.workspace = prefillWs.as();
        at.workspace_bytes = prefillWs.bytes();
        at.cublas = cublas;
        kernels::launchMlaPrefill(at, s);

        if (packed)  // h += o_proj(attn)
            qLinear(L.oQ, attn.as(), hp, n, H, 1.f, "o_proj");
        else
            linear(*this, attn.as(), L.oProj, hp, n, NH * vdim, H, 1.f, "o_proj");

        kernels::RmsNormParams n2 = n1;
        n2.weight = L.postNorm;
        n2.out_f32 = L.moe || packed ? xf.as<float>() : nullptr;  // the router's (and packed per-token experts') fp32 input
        kernels::launchRmsNorm(n2, s);

        if (L.moe)
            enqueueRoute(*this, L, n);
        if (packed) {
            qExpertsPrefill(L, n);
            continue;
        }
        if (!groupedExperts) {  // hidden not a multiple of 128: the decode expert kernel per token
            enqueueExpertsPerToken(L, n);
            continue;
        }
        ++paths.expertsGrouped;
        kernels::MoePrefillParams mp;  // h += experts(xb)
        mp.w13 = reinterpret_cast<const __nv_bfloat16*>(L.w13);
        mp.w2 = reinterpret_cast<const __nv_bfloat16*>(L.w2);
        groupedExpertInputs(mp, L, n);
        mp.inter = L.inter;
        mp.n_shared_slots = L.nSharedSlots;
        kernels::launchMoePrefill(mp, s);
    }

    if (lastOnly) {  // only the last row's logits: norm that row, one GEMV over lm_head
        enqueueLogitsOfRow(hp + static_cast<std::size_t>(n - 1) * H);
    } else {
        kernels::RmsNormParams nf;
        nf.weight = weights->finalNorm();
        nf.dim = H;
        nf.eps = eps;
        nf.residual = hp;
        nf.out = xb.as();
        nf.out_bf16 = true;
        nf.n_rows = n;
        kernels::launchRmsNorm(nf, s);
        if (packed)
            qLinear(weights->lmHeadQ(), xb.as(), logits.as<float>(), n, vocab, 0.f, "lm_head");
        else
            linear(*this, xb.as(), weights->lmHead(), logits.as<float>(), n, H, vocab, 0.f, "lm_head");
    }
}

}  // namespace fathom::inference::cuda
