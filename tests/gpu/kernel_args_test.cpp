// The MoE-side launchers check their arguments before touching the device: a broken call from the
// backend is one clear error naming the op and the value, never a kernel reading out of bounds.
// Runs without a GPU (no label): the checks come before any CUDA call.
#include <gtest/gtest.h>

#include <string>

#include "base/error.h"
#include "kernels/mla_decode_generic.cuh"
#include "kernels/moe_expert_decode.cuh"
#include "kernels/moe_prefill.cuh"
#include "kernels/moe_route.cuh"
#include "kernels/sampling.cuh"
#include "kernels/swiglu.cuh"

using namespace fathom::kernels;

namespace {

alignas(16) unsigned char g_fake[256];  // stands in for device buffers; never dereferenced
template <typename T>
T* fake() { return reinterpret_cast<T*>(g_fake); }

// Runs `call`, expects a fathom::Error whose message holds every one of `parts`.
template <typename F>
void expectError(F call, std::initializer_list<const char*> parts)
{
    try {
        call();
        FAIL() << "no error thrown";
    } catch (const fathom::Error& e) {
        EXPECT_EQ(e.kind(), fathom::ErrorKind::Internal);
        for (const char* part : parts) EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
}

MoeRouteParams routeParams()
{
    MoeRouteParams p;
    p.x = fake<const float>();
    p.gate_w = fake<const float>();
    p.logits = fake<float>();
    p.counters = fake<int>();
    p.topk_ids = fake<int>();
    p.topk_weights = fake<float>();
    p.n_tokens = 1;
    p.hidden = 2048;
    p.n_routed = 64;
    p.top_k = 6;
    return p;
}

MoeExpertDecodeParams expertParams()
{
    MoeExpertDecodeParams p;
    p.x = fake<const __nv_bfloat16>();
    p.w13 = fake<const __nv_bfloat16>();
    p.w2 = fake<const __nv_bfloat16>();
    p.topk_ids = fake<int>();
    p.topk_weights = fake<float>();
    p.out_f32 = fake<float>();
    p.h_ws = fake<float>();
    p.sync_ws = fake<int>();
    p.hidden = 2048;
    p.inter = 1408;
    p.n_routed = 64;
    p.top_k = 6;
    p.n_shared_slots = 2;
    return p;
}

}  // namespace

TEST(KernelArgs, routeRejectsTopKAboveSixteen)
{
    auto p = routeParams();
    p.top_k = 17;
    expectError([&] { launchMoeRoute(p, nullptr); }, {"moe_route", "top_k 17"});
}

TEST(KernelArgs, routeRejectsKeptGroupsSmallerThanTopK)
{
    auto p = routeParams();
    p.method = MoeRouteMethod::GroupLimitedGreedy;
    p.n_group = 32;  // 2 experts per group
    p.topk_group = 2;
    expectError([&] { launchMoeRoute(p, nullptr); }, {"moe_route", "fewer experts than top_k"});
}

TEST(KernelArgs, expertDecodeRejectsInterNotMultipleOf64)
{
    auto p = expertParams();
    p.inter = 1400;
    expectError([&] { launchMoeExpertDecode(p, nullptr); }, {"moe_expert_decode", "inter 1400"});
}

TEST(KernelArgs, expertDecodeRejectsTwoOutputs)
{
    auto p = expertParams();
    p.out_bf16 = fake<__nv_bfloat16>();
    expectError([&] { launchMoeExpertDecode(p, nullptr); }, {"moe_expert_decode", "exactly one of out_f32 and out_bf16"});
}

TEST(KernelArgs, expertDecodeRejectsFusedRoutingWithoutLogitsWorkspace)
{
    auto p = expertParams();
    p.gate_w = fake<const __nv_bfloat16>();
    expectError([&] { launchMoeExpertDecode(p, nullptr); }, {"moe_expert_decode", "logits_ws"});
}

TEST(KernelArgs, prefillRejectsHiddenNotMultipleOf128)
{
    MoePrefillParams p;
    p.x = p.w13 = p.w2 = fake<const __nv_bfloat16>();
    p.topk_ids = fake<const int>();
    p.topk_weights = fake<const float>();
    p.out_f32 = fake<float>();
    p.ws_sorted_token = p.ws_slot_pos = p.ws_offsets = p.ws_tile_offsets = fake<int>();
    p.ws_h = p.ws_y = fake<__nv_bfloat16>();
    p.n_tokens = 4;
    p.hidden = 2000;
    p.inter = 1408;
    p.n_routed = 64;
    p.top_k = 6;
    expectError([&] { launchMoePrefill(p, nullptr); }, {"moe_prefill", "hidden 2000"});
}

TEST(KernelArgs, samplingRejectsMissingSettings)
{
    SamplingParams p{fake<const float>(), 102400, nullptr, fake<int>(), fake<void>()};
    expectError([&] { launchSampling(p, nullptr); }, {"sampling", "null"});
}

TEST(KernelArgs, samplingRejectsAVocabPastItsGrid)
{
    SamplingParams p{fake<const float>(), kSamplingMaxVocab + 1, fake<const SamplingSettings>(), fake<int>(), fake<void>()};
    expectError([&] { launchSampling(p, nullptr); }, {"sampling", "vocab"});
}

TEST(KernelArgs, swigluRejectsWidthNotMultipleOf8)
{
    expectError([&] { launchSwiglu(SwigluParams{fake<const __nv_bfloat16>(), fake<__nv_bfloat16>(), 2, 7}, nullptr); },
                {"swiglu", "n 7"});
}

namespace {
MlaDecodeGenericParams genericMlaParams()
{
    MlaDecodeGenericParams p;
    p.q_abs = p.q_pe = p.cos = p.sin = fake<float>();
    p.cache = fake<void>();
    p.block_table = p.last_position = fake<std::int32_t>();
    p.out = fake<float>();
    p.max_position = p.max_blocks = 1;
    p.num_heads = 4;
    p.kv_lora_rank = 32;
    p.rope_dim = 16;
    return p;
}
}  // namespace

TEST(KernelArgs, genericMlaDecodeRejectsLatentWiderThan1024)
{
    auto p = genericMlaParams();
    p.kv_lora_rank = 1032;
    expectError([&] { launchMlaDecodeGeneric(p, nullptr); }, {"mla_decode_generic", "kv_lora_rank"});
}

TEST(KernelArgs, genericMlaDecodeRejectsOddRopeDim)
{
    auto p = genericMlaParams();
    p.rope_dim = 15;
    expectError([&] { launchMlaDecodeGeneric(p, nullptr); }, {"mla_decode_generic", "rope_dim"});
}
