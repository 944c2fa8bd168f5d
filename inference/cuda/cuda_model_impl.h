// CudaModel's state, shared by its three source files: cuda_model.cpp (setup, forward, step),
// cuda_model_decode.cpp (the one-token step and its graph), cuda_model_prefill.cpp (many tokens).
#pragma once

#include "inference/cuda/cuda_model.h"
#include "inference/cuda/device_buffer.h"
#include "kernels/mla_kv_append.cuh"
#include "kernels/moe_expert_decode.cuh"
#include "kernels/moe_route.cuh"
#include "kernels/sampling.cuh"

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace fathom::inference::cuda {

kernels::MoeRouteMethod routeMethod(TopkMethod m);  // cuda_model_decode.cpp

struct CudaModel::Impl {
    ModelConfig config;
    CudaModelOptions options;
    cudaStream_t stream = nullptr;
    cublasHandle_t cublas = nullptr;
    std::unique_ptr<CudaWeights> weights;

    // Shapes.
    int H = 0, NH = 0, nope = 0, rope = 0, qDim = 0, rank = 0, vdim = 0, kvWidth = 0, qkvRows = 0, vocab = 0;
    int qLora = 0;   // q_lora_rank (0: q_proj straight from the hidden state)
    int qaRows = 0;  // rows of the q part of qkva: q_lora_rank, or heads * qDim
    // Kernel choice, fixed at setup: V2-Lite's shape takes the specialised kernels, others the generic ones.
    bool fastMla = false;          // mla_decode (tensor cores, 512 + 64 latent, heads % 16 == 0), else mla_decode_generic
    bool groupedExperts = false;   // moe_prefill (hidden % 128 == 0), else moe_expert_decode once per prefill token
    bool packed = false;           // GGUF blocks on the GPU (CudaWeights::packed): the q* kernels
    bool int8 = false;             // packed decode kernels with int8 activations (CudaModelOptions::int8Activations)
    KernelPathCounts paths;
    int pages = 0, capacity = 0, chunk = 0, splits = 0;
    int maxTopK = 0, maxSlots = 0, maxExperts = 0;
    float scale = 0.f, eps = 1e-6f;

    // The latent cache and its (identity) block table: one sequence, pages in order.
    DeviceBuffer cache;        // bf16 [layers, pages, 64, kvWidth]
    DeviceBuffer blockTable;   // int32 [pages]
    DeviceBuffer ropeCos, ropeSin;  // fp32 [capacity, rope/2]

    // Step inputs in device memory (read by the graph), written by one copy per step.
    struct StepInputs {
        std::int32_t token = 0;     // the decode token
        std::int32_t position = 0;  // its position
        kernels::SamplingSettings sampling;
    };
    DeviceBuffer stepIn;       // StepInputs
    DeviceBuffer sampled;      // int32 [1] the sampled token (-1: non-finite logits)
    DeviceBuffer samplingScratch;  // kernels/sampling's grid workspace (zero between launches)
    DeviceBuffer ids;          // int32 [chunk] prefill tokens
    DeviceBuffer positions;    // int32 [chunk] prefill positions

    // Activations (prefill sizes; decode uses row 0).
    DeviceBuffer h;            // fp32 [chunk, H] residual stream
    DeviceBuffer x;            // fp32 [H] decode norm output (GEMV input)
    DeviceBuffer xQ8;          // int8 [max(H, NH * vdim)] (+ scales) packed decode: a GEMV or expert input
                               // quantized once (kernels/qdot8.cuh's Q8View); null unless `int8`
    DeviceBuffer xb;           // bf16 [chunk, H] norm output for GEMMs and the MoE kernels
    DeviceBuffer xf;           // fp32 [chunk, H] the post-attention norm output again, for the fp32 router
    DeviceBuffer qkv;          // fp32 [chunk, qkvRows] q_proj | kv_a output
    DeviceBuffer qAbs;         // bf16 [NH, rank] decode: q_nope absorbed through W_uk (mla_decode)
    DeviceBuffer qAbs32;       // fp32 [NH, rank] the same for mla_decode_generic
    DeviceBuffer qNorm;        // fp32 [chunk, q_lora] (decode) / bf16 (prefill): q_a_layernorm output, q_b_proj's input
    DeviceBuffer qFull;        // fp32 [chunk, NH * qDim] q_b_proj output (q_lora_rank set; else q lives in qkv)
    DeviceBuffer partO, partML;  // fp32 mla_decode split workspaces
    DeviceBuffer oLat;         // fp32 [NH, rank] decode attention output in latent space
    DeviceBuffer oHeads;       // fp32 [NH * vdim] decode: after W_uv
    DeviceBuffer qb;           // bf16 [chunk, NH, qDim] prefill q with rope
    DeviceBuffer attn;         // bf16 [chunk, NH * vdim] prefill attention output
    DeviceBuffer prefillWs;    // mla_prefill workspace
    DeviceBuffer logits;       // fp32 [chunk, vocab]
    // MoE.
    DeviceBuffer routerLogits; // fp32 [chunk, n_routed]
    DeviceBuffer routeCounters;  // int32 [chunk], zero between launches
    DeviceBuffer topkIds;      // int32 [chunk, top_k]
    DeviceBuffer topkW;        // fp32 [chunk, top_k]
    DeviceBuffer expertWs;     // fp32 decode expert workspace
    DeviceBuffer expertSync;   // int32 [4], zero between launches
    DeviceBuffer sortedToken, slotPos, expertOffsets, tileOffsets;  // int32 moe_prefill workspaces
    DeviceBuffer moeH, moeY;   // bf16 moe_prefill workspaces

    // Packed layout only: bf16 scratch a dense matrix is dequantized into before a prefill GEMM
    // (the largest layer matrix, or a slice of lm_head). The experts use the workspaces above.
    DeviceBuffer dequantWs;

    // The memory plan (cuda_model_memory.cpp): every buffer above with its size, made before
    // anything is allocated and checked against the GPU's free memory or the user's limit.
    struct BufferRequest {
        DeviceBuffer* buffer;
        std::size_t bytes;
        const char* what;
    };
    std::vector<BufferRequest> requests;
    std::size_t plannedBytes = 0;  // weights + buffers
    // Sets pages / capacity / chunk / splits / maxSlots for a context and lists the buffers.
    std::vector<BufferRequest> planBuffers(std::int64_t contextTokens, const std::vector<CudaLayerWeights>& layers);
    void planPackedBuffers(const std::vector<CudaLayerWeights>& layers,
                           const std::function<void(DeviceBuffer&, std::size_t, const char*)>& want);
    // Throws Resource, with the context that would fit, when weights + buffers exceed the memory available.
    void checkMemory(std::size_t weightBytes, const std::vector<CudaLayerWeights>& layers);
    void allocateBuffers();

    // Decode graph (captured once) and host staging for the step's inputs and its sampled token.
    cudaGraphExec_t graph = nullptr;
    StepInputs* pinnedIn = nullptr;
    std::int32_t* pinnedOut = nullptr;

    ~Impl();
    void setup(const WeightStore& w);
    void enqueueDecode();
    void enqueueSampling(const float* logitsRow);
    // Final norm of one residual row into x, then lm_head into logits (decode, and prefill's last row).
    void enqueueLogitsOfRow(float* residualRow);
    // Copies pinnedIn to the device and replays the decode graph (capturing it the first time).
    void runDecode();
    void enqueuePrefill(const std::int32_t* tokens, int n, std::int64_t startPos, bool lastOnly);
    void enqueueExpertsPerToken(const CudaLayerWeights& L, int n);
    // Parameters decode and prefill share (cuda_model_decode.cpp): the latent append of n tokens
    // of a layer (positions in device memory), and the expert launch for token t of h / xb.
    kernels::MlaKvAppendParams kvAppendParams(std::size_t layer, const float* kv, std::int64_t stride,
                                              const std::int32_t* positions, int n) const;
    kernels::MoeExpertDecodeParams expertParams(const CudaLayerWeights& L, int t) const;
    void enqueueEmbedding(const std::int32_t* ids, int n);  // the token rows into h, either layout
    // What the bf16 and the packed grouped-expert launches share: the routing, the residual output
    // and the sort / GEMM workspaces, for n prompt tokens.
    template <typename P>
    void groupedExpertInputs(P& mp, const CudaLayerWeights& L, int n) const
    {
        mp.x = xb.as<__nv_bfloat16>();
        mp.n_routed = L.nRouted;
        mp.top_k = L.moe ? static_cast<int>(config.numExpertsPerTok) : 0;
        mp.topk_ids = L.moe ? topkIds.as<int>() : nullptr;
        mp.topk_weights = L.moe ? topkW.as<float>() : nullptr;
        mp.out_f32 = h.as<float>();
        mp.accumulate = 1;
        mp.ws_sorted_token = sortedToken.as<int>();
        mp.ws_slot_pos = slotPos.as<int>();
        mp.ws_offsets = expertOffsets.as<int>();
        mp.ws_tile_offsets = tileOffsets.as<int>();
        mp.ws_h = moeH.as<__nv_bfloat16>();
        mp.ws_y = moeY.as<__nv_bfloat16>();
        mp.n_tokens = n;
        mp.hidden = H;
    }
    // The fused router's fields, the same in the bf16 and the packed expert launch.
    template <typename P>
    void fuseRouter(P& ex, const CudaLayerWeights& L) const
    {
        const ModelConfig& c = config;
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

    // Packed layout (cuda_model_packed.cpp). y = W x (+ y) for one token; y[n, ldy] = x W^T + beta y
    // for many (x bf16 [n, cols]); the token rows of the embedding into h; experts of one layer.
    // xq8: x already quantized (xQ8, or null): the int8 kernels read it instead of x.
    void qGemv(const kernels::QMatrix& w, const float* x, float* y, bool accumulate, const void* xq8 = nullptr);
    // The int8 copy of x for the packed decode kernels (into xQ8; null when int8 is off).
    const void* quantizeForGemv(const float* x, int n);
    void qLinear(const kernels::QMatrix& w, const void* x, float* y, int n, std::int64_t ldy, float beta, const char* what);
    void qEmbedding(const std::int32_t* ids, int n);
    // xq8: row t of xf already quantized (decode: the post-attention norm's out_q8), or null.
    void qExpertsDecode(const CudaLayerWeights& L, int t = 0, bool fusedRouter = true, const void* xq8 = nullptr);
    void qExpertsPrefill(const CudaLayerWeights& L, int n);
};


// Routes n tokens of xb for one MoE layer into topkIds / topkW (cuda_model_decode.cpp).
void enqueueRoute(CudaModel::Impl& m, const CudaLayerWeights& L, int n);

}  // namespace fathom::inference::cuda
