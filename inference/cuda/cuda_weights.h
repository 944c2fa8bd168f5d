// The model's weights on the GPU, uploaded once into one arena through pinned staging buffers by
// several threads (upload_plan.h), in one of two layouts:
//  - bf16 (safetensors, bf16/f16 GGUF): converted and re-laid-out on the host for the bf16 kernels
//    (documented per field); identical source tensors (the synthetic bench model aliases its
//    layers) are uploaded once.
//  - packed (GGUF with block-quantized weights, packed() true): every large matrix keeps the
//    file's bytes, read by the q* kernels (kernels/qmatrix.cuh), so a Q4_K_M model takes about its
//    file size on the GPU. The small pieces the attention kernels read in their own layouts
//    (norms, kv_b / W_uk, the fp32 router) are dequantized on the host as in the bf16 layout.
#pragma once

#include "inference/cuda/device_buffer.h"
#include "inference/model/model_config.h"
#include "inference/model/weight_store.h"
#include "kernels/qmatrix.cuh"

#include <cuda_runtime.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace fathom::inference::cuda {

using bf16 = std::uint16_t;  // device bf16 bits; the kernels read them as __nv_bfloat16

class Plan;  // upload_plan.h

struct CudaLayerWeights {
    const bf16* inputNorm = nullptr;    // [hidden]
    const bf16* postNorm = nullptr;     // [hidden]
    // [q_rows + kv_lora+rope, hidden]: q_proj rows (q_rows = heads*(nope+rope)), or q_a_proj rows
    // (q_rows = q_lora_rank) when q_lora_rank is set, then kv_a_proj_with_mqa rows: one GEMV reads both.
    const bf16* qkva = nullptr;
    const bf16* qANorm = nullptr;       // [q_lora_rank] q_a_layernorm (q_lora_rank set), else null
    const bf16* qB = nullptr;           // [heads*(nope+rope), q_lora_rank] q_b_proj (q_lora_rank set), else null
    const bf16* kvANorm = nullptr;      // [kv_lora]
    const bf16* kvB = nullptr;          // [heads*(nope+v), kv_lora] kv_b_proj as on the hub (per head: nope rows, v rows)
    const bf16* ukT = nullptr;          // [heads, kv_lora, nope]: W_uk transposed per head, so q absorption is a plain GEMV
    const bf16* oProj = nullptr;        // [hidden, heads*v]
    bool moe = false;
    const float* router = nullptr;      // fp32 [n_routed, hidden] mlp.gate.weight (MoE layers; the router runs in fp32)
    const float* routerBias = nullptr;  // fp32 [n_routed] e_score_correction_bias (noaux_tc only)
    // Experts in the MoE kernels' layout (kernels/moe_expert_decode.cuh): slots 0..n_routed-1 routed, then
    // n_shared_slots shared pieces of `inter` rows; a dense MLP is one shared slot. `inter` is the
    // model's size rounded up to 64 (the kernels' block); padded gate/up rows and down columns are
    // zero, so they add silu(0) * 0 = 0 exactly.
    const bf16* w13 = nullptr;          // [slots, 2*inter, hidden], gate/up rows interleaved in blocks of 64
    const bf16* w2 = nullptr;           // [slots, hidden, inter]
    int nRouted = 0, nSharedSlots = 0, inter = 0;

    // Packed layout only (the bf16 qkva / qB / oProj / w13 / w2 above are null then).
    // qkvaQ[0] holds the q rows (q_proj, or q_a_proj) and, when qkvaParts == 1, the kv_a rows after
    // them (same type, so one GEMV reads both); with two parts qkvaQ[1] holds the kv_a rows.
    kernels::QMatrix qkvaQ[2];
    int qkvaParts = 0;
    kernels::QMatrix qBQ, oQ;
    // Routed experts as the file's merged tensors: gate/up [n_routed * routedInter, hidden] (expert
    // e's rows from e * routedInter), down [n_routed * hidden, routedInter]. Shared experts as one
    // MLP of sharedInter rows (the dense MLP of a dense layer the same way, no routed experts).
    kernels::QMatrix gateQ, upQ, downQ, sGateQ, sUpQ, sDownQ;
    int routedInter = 0, sharedInter = 0;
};

struct LoadStats {
    double bytes = 0;    // bytes copied to the GPU
    double seconds = 0;  // wall time of the whole upload (host packing included)
    double gbPerSecond() const { return seconds > 0 ? bytes / seconds / 1e9 : 0; }
};

class CudaWeights final {
public:
    // Throws fathom::Error: Resource when the GPU lacks memory (nothing is left allocated then),
    // UserInput for a model shape the CUDA backend does not run.
    // progress(fraction) is called from the constructing thread as pieces land; it may throw to cancel.
    // beforeAllocate(bytes, layers) is called with the arena's size and the planned layers (device
    // pointers not yet set) before any GPU memory is taken: the memory plan's check (it throws to refuse).
    using AllocateCheck = std::function<void(std::size_t, const std::vector<CudaLayerWeights>&)>;
    CudaWeights(const ModelConfig& config, const WeightStore& weights, const std::function<void(double)>& progress = {},
                const AllocateCheck& beforeAllocate = {});

    // Whether `weights` loads in the packed layout: some matrix is block-quantized.
    static bool packedLayout(const ModelConfig& config, const WeightStore& weights);
    bool packed() const { return m_packed; }

    const std::vector<CudaLayerWeights>& layers() const { return m_layers; }
    const bf16* embedding() const { return m_embed; }  // [vocab, hidden]
    const bf16* finalNorm() const { return m_finalNorm; }  // [hidden]
    const bf16* lmHead() const { return m_lmHead; }  // [vocab, hidden]
    const kernels::QMatrix& embeddingQ() const { return m_embedQ; }  // packed layout: [vocab, hidden]
    const kernels::QMatrix& lmHeadQ() const { return m_lmHeadQ; }    // packed layout: [vocab, hidden]
    const LoadStats& stats() const { return m_stats; }
    std::size_t deviceBytes() const { return m_arena.bytes(); }

private:
    std::function<void(std::byte*)> layoutBf16(const ModelConfig& c, const WeightStore& w, Plan& plan);
    std::function<void(std::byte*)> layoutPacked(const ModelConfig& c, const WeightStore& w, Plan& plan);

    DeviceBuffer m_arena;
    bool m_packed = false;
    kernels::QMatrix m_embedQ, m_lmHeadQ;
    std::vector<CudaLayerWeights> m_layers;
    const bf16* m_embed = nullptr;
    const bf16* m_finalNorm = nullptr;
    const bf16* m_lmHead = nullptr;
    LoadStats m_stats;
};

}  // namespace fathom::inference::cuda
