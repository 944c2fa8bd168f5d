// The one-token decode step: ~9 launches a layer and the sampler (norms ride in the GEMV or
// expert launch after them where the kernel can take them), all reading the token, its
// position and the sampling settings from device memory, captured once into a CUDA graph and
// replayed for every later step. Residual adds ride in the GEMV / expert epilogues.
#include "inference/cuda/cuda_model_impl.h"

#include "kernels/embedding.cuh"
#include "kernels/gemv.cuh"
#include "kernels/mla_decode.cuh"
#include "kernels/mla_decode_generic.cuh"
#include "kernels/mla_kv_append.cuh"
#include "kernels/moe_expert_decode.cuh"
#include "kernels/moe_route.cuh"
#include "kernels/rmsnorm.cuh"
#include "kernels/sampling.cuh"

namespace fathom::inference::cuda {

kernels::MoeRouteMethod routeMethod(TopkMethod m)
{
    switch (m) {
    case TopkMethod::Greedy:
        return kernels::MoeRouteMethod::Greedy;
    case TopkMethod::GroupLimitedGreedy:
        return kernels::MoeRouteMethod::GroupLimitedGreedy;
    case TopkMethod::NoauxTc:
        return kernels::MoeRouteMethod::NoauxTc;
    }
    return kernels::MoeRouteMethod::Greedy;
}

// Shared by decode and prefill: route n tokens of xf (fp32 [n, H], the post-attention norm) for one MoE layer.
void enqueueRoute(CudaModel::Impl& m, const CudaLayerWeights& L, int n)
{
    const ModelConfig& c = m.config;
    kernels::MoeRouteParams r;
    r.x = m.xf.as<float>();
    r.gate_w = L.router;
    r.bias = L.routerBias;
    r.logits = m.routerLogits.as<float>();
    r.counters = m.routeCounters.as<int>();
    r.topk_ids = m.topkIds.as<int>();
    r.topk_weights = m.topkW.as<float>();
    r.n_tokens = n;
    r.hidden = m.H;
    r.n_routed = L.nRouted;
    r.top_k = static_cast<int>(c.numExpertsPerTok);
    r.n_group = static_cast<int>(c.nGroup);
    r.topk_group = static_cast<int>(c.topkGroup);
    r.method = routeMethod(c.topkMethod);
    r.scoring = c.scoringFunc == ScoringFunc::Sigmoid ? kernels::MoeScoring::Sigmoid : kernels::MoeScoring::Softmax;
    r.norm_topk_prob = c.normTopkProb ? 1 : 0;
    r.routed_scaling_factor = static_cast<float>(c.routedScalingFactor);
    kernels::launchMoeRoute(r, m.stream);
}

kernels::MlaKvAppendParams CudaModel::Impl::kvAppendParams(std::size_t layer, const float* kv, std::int64_t stride,
                                                          const std::int32_t* tokenPositions, int n) const
{
    kernels::MlaKvAppendParams a;
    a.kv = kv;
    a.kv_row_stride = stride;
    a.norm_weight = weights->layers()[layer].kvANorm;
    a.eps = eps;
    a.positions = tokenPositions;
    a.cos = ropeCos.as<float>();
    a.sin = ropeSin.as<float>();
    a.max_position = capacity;
    a.block_table = blockTable.as<std::int32_t>();
    a.max_blocks = pages;
    a.cache = cache.as<char>() + layer * static_cast<std::size_t>(pages) * 64 * kvWidth * 2;
    a.n_tokens = n;
    a.kv_lora_rank = rank;
    a.rope_dim = rope;
    return a;
}

kernels::MoeExpertDecodeParams CudaModel::Impl::expertParams(const CudaLayerWeights& L, int t) const
{
    const int topK = L.moe ? static_cast<int>(config.numExpertsPerTok) : 0;
    kernels::MoeExpertDecodeParams ex;
    ex.x = xb.as<__nv_bfloat16>() + static_cast<std::size_t>(t) * H;
    ex.w13 = reinterpret_cast<const __nv_bfloat16*>(L.w13);
    ex.w2 = reinterpret_cast<const __nv_bfloat16*>(L.w2);
    ex.topk_ids = L.moe ? topkIds.as<int>() + static_cast<std::size_t>(t) * topK : nullptr;
    ex.topk_weights = L.moe ? topkW.as<float>() + static_cast<std::size_t>(t) * topK : nullptr;
    ex.out_f32 = h.as<float>() + static_cast<std::size_t>(t) * H;
    ex.accumulate = 1;
    ex.h_ws = expertWs.as<float>();
    ex.sync_ws = expertSync.as<int>();
    ex.hidden = H;
    ex.inter = L.inter;
    ex.n_routed = L.nRouted;
    ex.top_k = topK;
    ex.n_shared_slots = L.nSharedSlots;
    return ex;
}

void CudaModel::Impl::enqueueLogitsOfRow(float* residualRow)
{
    if (packed) {
        kernels::RmsNormParams nf;
        nf.residual = residualRow;
        nf.weight = weights->finalNorm();
        nf.out = x.as();
        nf.n_rows = 1;
        nf.dim = H;
        nf.eps = eps;
        nf.out_q8 = int8 && H % 32 == 0 ? xQ8.as() : nullptr;
        kernels::launchRmsNorm(nf, stream);
        qGemv(weights->lmHeadQ(), x.as<float>(), logits.as<float>(), false, nf.out_q8);
        return;
    }
    kernels::GemvParams lm;  // logits = lm_head rmsnorm(h), the norm inside the GEMV
    lm.w = weights->lmHead();
    lm.x = residualRow;
    lm.norm_weight = weights->finalNorm();
    lm.norm_eps = eps;
    lm.y = logits.as();
    lm.rows = vocab;
    lm.cols = H;
    kernels::launchGemv(lm, stream);
}

void CudaModel::Impl::enqueueEmbedding(const std::int32_t* tokenIds, int n)
{
    if (packed) {
        qEmbedding(tokenIds, n);
        return;
    }
    kernels::EmbeddingParams e;
    e.table = weights->embedding();
    e.ids = tokenIds;
    e.out = h.as<float>();
    e.n_tokens = n;
    e.dim = H;
    e.vocab = vocab;
    kernels::launchEmbedding(e, stream);
}

void CudaModel::Impl::enqueueDecode()
{
    cudaStream_t s = stream;
    float* hp = h.as<float>();
    float* qkvp = qkv.as<float>();

    enqueueEmbedding(&stepIn.as<StepInputs>()->token, 1);

    for (std::size_t l = 0; l < weights->layers().size(); ++l) {
        const CudaLayerWeights& L = weights->layers()[l];
        kernels::RmsNormParams n1;
        n1.residual = hp;
        n1.weight = L.inputNorm;
        n1.out = x.as();
        n1.n_rows = 1;
        n1.dim = H;
        n1.eps = eps;
        // Packed int8 path: the norm also writes x quantized once for q_proj, kv_a and the experts.
        const void* xq8 = packed && int8 && H % 32 == 0 ? xQ8.as() : nullptr;
        if (packed) {  // the bf16 GEMV below applies the norm itself
            n1.out_q8 = const_cast<void*>(xq8);
            kernels::launchRmsNorm(n1, s);
            n1.out_q8 = nullptr;
        }

        if (packed) {  // [q | kv_a] in one or two GEMVs over the file's blocks
            qGemv(L.qkvaQ[0], x.as<float>(), qkvp, false, xq8);
            if (L.qkvaParts == 2)
                qGemv(L.qkvaQ[1], x.as<float>(), qkvp + qaRows, false, xq8);
        } else {
            kernels::GemvParams g;  // [q | kv_a] = W_qkva rmsnorm(h)  (q: q_proj, or q_a_proj with q_lora_rank)
            g.w = L.qkva;
            g.x = hp;
            g.norm_weight = L.inputNorm;
            g.norm_eps = eps;
            g.y = qkvp;
            g.rows = qkvRows;
            g.cols = H;
            kernels::launchGemv(g, s);
        }

        const float* q = qkvp;  // fp32 [NH, qDim] this token's q heads
        if (qLora > 0) {        // q = q_b_proj(q_a_layernorm(q_a)), all fp32 in and out
            kernels::RmsNormParams qn;
            qn.residual = qkvp;
            qn.weight = L.qANorm;
            qn.out = qNorm.as();
            qn.n_rows = 1;
            qn.dim = qLora;
            qn.eps = eps;
            kernels::launchRmsNorm(qn, s);
            if (packed) {
                qGemv(L.qBQ, qNorm.as<float>(), qFull.as<float>(), false);
            } else {
                kernels::GemvParams qb;
                qb.w = L.qB;
                qb.x = qNorm.as();
                qb.y = qFull.as();
                qb.rows = NH * qDim;
                qb.cols = qLora;
                kernels::launchGemv(qb, s);
            }
            q = qFull.as<float>();
            ++paths.qLoraLayers;
        }

        const kernels::MlaKvAppendParams a = kvAppendParams(l, qkvp + qaRows, kvWidth, &stepIn.as<StepInputs>()->position, 1);
        kernels::launchMlaKvAppend(a, s);

        kernels::GemvParams qa;  // q_abs[h] = W_uk[h]^T q_nope[h], per head (bf16 for the tensor cores)
        qa.w = L.ukT;
        qa.x = q;
        qa.y = fastMla ? qAbs.as() : qAbs32.as();
        qa.y_bf16 = fastMla;
        qa.rows = rank;
        qa.cols = nope;
        qa.batch = NH;
        qa.w_batch_stride = static_cast<std::int64_t>(rank) * nope;
        qa.x_batch_stride = qDim;
        qa.y_batch_stride = rank;
        kernels::launchGemv(qa, s);

        // The two decode kernels take the same inputs; the fast one adds its split workspaces.
        auto common = [&](auto& d) {
            d.q_pe = q + nope;
            d.q_pe_head_stride = qDim;
            d.cos = ropeCos.as<float>();
            d.sin = ropeSin.as<float>();
            d.max_position = capacity;
            d.cache = a.cache;
            d.block_table = blockTable.as<std::int32_t>();
            d.max_blocks = pages;
            d.last_position = &stepIn.as<StepInputs>()->position;
            d.scale = scale;
            d.num_heads = NH;
            d.out = oLat.as<float>();
        };
        if (!fastMla) {
            kernels::MlaDecodeGenericParams d;
            common(d);
            d.q_abs = qAbs32.as<float>();
            d.kv_lora_rank = rank;
            d.rope_dim = rope;
            kernels::launchMlaDecodeGeneric(d, s);
            ++paths.mlaDecodeGeneric;
        } else {
            kernels::MlaDecodeParams d;
            common(d);
            d.q_abs = qAbs.as();
            d.num_splits = splits;
            d.partial_o = partO.as<float>();
            d.partial_ml = partML.as<float>();
            kernels::launchMlaDecode(d, s);
            ++paths.mlaDecodeFast;
        }

        kernels::GemvParams uv;  // o[h] = W_uv[h] o_lat[h]: the v rows of kv_b, per head
        uv.w = L.kvB + static_cast<std::size_t>(nope) * rank;
        uv.ld_w = rank;
        uv.x = oLat.as();
        uv.y = oHeads.as();
        uv.rows = vdim;
        uv.cols = rank;
        uv.batch = NH;
        uv.w_batch_stride = static_cast<std::int64_t>(nope + vdim) * rank;
        uv.x_batch_stride = rank;
        uv.y_batch_stride = vdim;
        kernels::launchGemv(uv, s);

        if (packed) {  // h += W_o o
            const bool oInt8 = L.oQ.type == kernels::WType::Q8_0 || L.oQ.type == kernels::WType::Q5_0 ||
                               L.oQ.type == kernels::WType::Q4_K || L.oQ.type == kernels::WType::Q6_K;
            qGemv(L.oQ, oHeads.as<float>(), hp, true, oInt8 ? quantizeForGemv(oHeads.as<float>(), NH * vdim) : nullptr);
        } else {
            kernels::GemvParams o;
            o.w = L.oProj;
            o.x = oHeads.as();
            o.y = hp;
            o.accumulate = true;
            o.rows = H;
            o.cols = NH * vdim;
            kernels::launchGemv(o, s);
        }

        kernels::RmsNormParams n2 = n1;
        n2.weight = L.postNorm;
        n2.out = xb.as();
        n2.out_bf16 = true;
        n2.out_f32 = L.moe || packed ? xf.as<float>() : nullptr;  // the router's (and packed experts') fp32 input
        n2.out_q8 = const_cast<void*>(xq8);                         // and the packed experts' int8 input
        kernels::launchRmsNorm(n2, s);
        if (packed) {
            qExpertsDecode(L, 0, true, xq8);
            continue;
        }

        // h += experts(xb) (a dense MLP is one shared slot). The router runs inside the same launch
        // (fp32, from xf), so the shared experts stream while it picks the routed ones.
        kernels::MoeExpertDecodeParams ex = expertParams(L, 0);
        if (L.moe) {
            ex.x_f32 = xf.as<float>();
            fuseRouter(ex, L);
        }
        kernels::launchMoeExpertDecode(ex, s);
    }

    enqueueLogitsOfRow(hp);

    enqueueSampling(logits.as<float>());
}

void CudaModel::Impl::enqueueSampling(const float* logitsRow)
{
    kernels::SamplingParams sp;
    sp.logits = logitsRow;
    sp.vocab = vocab;
    sp.settings = &stepIn.as<StepInputs>()->sampling;
    sp.out_id = sampled.as<int>();
    sp.scratch = samplingScratch.as();
    kernels::launchSampling(sp, stream);
}

void CudaModel::Impl::runDecode()
{
    check(cudaMemcpyAsync(stepIn.as(), pinnedIn, sizeof(StepInputs), cudaMemcpyHostToDevice, stream), "setting the decode step");
    if (graph) {
        check(cudaGraphLaunch(graph, stream), "replaying the decode graph");
        return;
    }
    // First step: run it eagerly, which also performs each launcher's one-time setup, then capture
    // the same sequence for the steps after it.
    enqueueDecode();
    cudaGraph_t g = nullptr;
    check(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), "capturing the decode graph");
    try {
        enqueueDecode();
    } catch (...) {
        cudaStreamEndCapture(stream, &g);
        if (g)
            cudaGraphDestroy(g);
        throw;
    }
    check(cudaStreamEndCapture(stream, &g), "capturing the decode graph");
    std::size_t nodes = 0;
    if (cudaGraphGetNodes(g, nullptr, &nodes) == cudaSuccess)
        paths.decodeGraphNodes = static_cast<std::int64_t>(nodes);
    const cudaError_t e = cudaGraphInstantiate(&graph, g, 0);
    cudaGraphDestroy(g);
    check(e, "instantiating the decode graph");
}

}  // namespace fathom::inference::cuda
