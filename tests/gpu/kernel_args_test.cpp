// The MoE-side launchers check their arguments before touching the device: a broken call from the
// backend is one clear error naming the op and the value, never a kernel reading out of bounds.
// Runs without a GPU (no label): the checks come before any CUDA call.
#include <gtest/gtest.h>

#include <string>

#include "base/error.h"
#include "kernels/dequantize.cuh"
#include "kernels/mla_decode_generic.cuh"
#include "kernels/moe_expert_decode.cuh"
#include "kernels/moe_prefill.cuh"
#include "kernels/moe_route.cuh"
#include "kernels/qembedding.cuh"
#include "kernels/qgemv.cuh"
#include "kernels/qmoe_decode.cuh"
#include "kernels/qmoe_prefill.cuh"
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
    p.gate_w = fake<const float>();
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

// ---- quantized decode launchers (qgemv, qembedding, qmoe_decode) ----
namespace {
QMatrix qmatrix(WType t, int rows, int cols)
{
    return {g_fake, t, rows, cols, wtypeRowBytes(t, cols)};
}

QGemvParams qgemvParams()
{
    QGemvParams p;
    p.w = qmatrix(WType::Q4_K, 2048, 2048);
    p.x = fake<const float>();
    p.y = fake<float>();
    return p;
}

QMoeDecodeParams qmoeParams()
{
    QMoeDecodeParams p;
    p.x = fake<const float>();
    p.routed = {qmatrix(WType::Q4_K, 64 * 1408, 2048), qmatrix(WType::Q4_K, 64 * 1408, 2048),
                qmatrix(WType::Q5_0, 64 * 2048, 1408), 1408};
    p.shared = {qmatrix(WType::Q4_K, 2816, 2048), qmatrix(WType::Q4_K, 2816, 2048), qmatrix(WType::Q6_K, 2048, 2816), 2816};
    p.n_shared = 1;
    p.topk_ids = fake<int>();
    p.topk_weights = fake<float>();
    p.out = fake<float>();
    p.h_ws = fake<float>();
    p.sync_ws = fake<int>();
    p.hidden = 2048;
    p.n_routed = 64;
    p.top_k = 6;
    return p;
}
}  // namespace

TEST(KernelArgs, qgemvRejectsKQuantRowsNotMultipleOf256)
{
    auto p = qgemvParams();
    p.w = qmatrix(WType::Q4_K, 2048, 10944);  // the dense down: K-quants cannot hold it
    expectError([&] { launchQGemv(p, nullptr); }, {"qgemv", "Q4_K cols 10944", "multiple of 256"});
}

TEST(KernelArgs, qgemvRejectsRowBytesThatDoNotMatchTheType)
{
    auto p = qgemvParams();
    p.w.row_bytes = 2048 * 2;  // a bf16 stride on a Q4_K matrix
    expectError([&] { launchQGemv(p, nullptr); }, {"qgemv", "row_bytes 4096", "1152"});
}

TEST(KernelArgs, qgemvRejectsUnknownType)
{
    auto p = qgemvParams();
    p.w.type = static_cast<WType>(11);
    expectError([&] { launchQGemv(p, nullptr); }, {"qgemv", "unknown weight type 11"});
}

TEST(KernelArgs, qgemvRejectsUnalignedWeights)
{
    auto p = qgemvParams();
    p.w.data = g_fake + 2;
    expectError([&] { launchQGemv(p, nullptr); }, {"qgemv", "16-byte aligned"});
}

TEST(KernelArgs, qgemvRejectsColsPastItsSharedMemoryX)
{
    auto p = qgemvParams();
    p.w = qmatrix(WType::Q8_0, 16, 24576 + 32);
    expectError([&] { launchQGemv(p, nullptr); }, {"qgemv", "cols 24608", "24576"});
}

TEST(KernelArgs, qgemvRejectsSwigluOffsetInsideX)
{
    auto p = qgemvParams();
    p.x_swiglu = true;
    p.swiglu_up_offset = 1024;
    expectError([&] { launchQGemv(p, nullptr); }, {"qgemv", "swiglu_up_offset"});
}

TEST(KernelArgs, qgemvRejectsNullOutput)
{
    auto p = qgemvParams();
    p.y = nullptr;
    expectError([&] { launchQGemv(p, nullptr); }, {"qgemv", "null x or y"});
}

TEST(KernelArgs, qembeddingRejectsBf16DimNotMultipleOf8)
{
    QEmbeddingParams p{qmatrix(WType::BF16, 1000, 60), fake<const std::int32_t>(), fake<float>(), 3};
    expectError([&] { launchQEmbedding(p, nullptr); }, {"qembedding", "BF16 cols 60", "multiple of 8"});
}

TEST(KernelArgs, qembeddingRejectsNullIds)
{
    QEmbeddingParams p{qmatrix(WType::Q6_K, 102400, 2048), nullptr, fake<float>(), 3};
    expectError([&] { launchQEmbedding(p, nullptr); }, {"qembedding", "null ids"});
}

TEST(KernelArgs, qmoeDecodeRejectsGateAndUpOfDifferentTypes)
{
    auto p = qmoeParams();
    p.routed.up = qmatrix(WType::Q5_K, 64 * 1408, 2048);
    expectError([&] { launchQMoeDecode(p, nullptr); }, {"qmoe_decode", "routed gate and up must have the same type"});
}

TEST(KernelArgs, qmoeDecodeRejectsDownOfTheWrongShape)
{
    auto p = qmoeParams();
    p.routed.down = qmatrix(WType::Q5_0, 2048, 1408);  // one expert's rows, not 64
    expectError([&] { launchQMoeDecode(p, nullptr); }, {"qmoe_decode", "routed down must be [131072, 1408]"});
}

TEST(KernelArgs, qmoeDecodeRejectsKQuantDownOfWidth1408)
{
    auto p = qmoeParams();
    p.routed.down = qmatrix(WType::Q4_K, 64 * 2048, 1408);  // why GGUF files fall back to Q5_0 there
    expectError([&] { launchQMoeDecode(p, nullptr); }, {"qmoe_decode", "routed down", "Q4_K cols 1408"});
}

TEST(KernelArgs, qmoeDecodeRejectsTopKWithoutRoutedExperts)
{
    auto p = qmoeParams();
    p.n_routed = 0;
    expectError([&] { launchQMoeDecode(p, nullptr); }, {"qmoe_decode", "top_k 6"});
}

TEST(KernelArgs, qmoeDecodeRejectsNoExpertsAtAll)
{
    auto p = qmoeParams();
    p.n_routed = p.top_k = p.n_shared = 0;
    expectError([&] { launchQMoeDecode(p, nullptr); }, {"qmoe_decode", "no experts"});
}

TEST(KernelArgs, qmoeDecodeRejectsFusedRoutingWithoutLogitsWorkspace)
{
    auto p = qmoeParams();
    p.gate_w = fake<const float>();
    expectError([&] { launchQMoeDecode(p, nullptr); }, {"qmoe_decode", "logits_ws"});
}

TEST(KernelArgs, qmoeDecodeRejectsSharedInterNotMultipleOf8)
{
    auto p = qmoeParams();
    p.shared.inter = 2812;
    expectError([&] { launchQMoeDecode(p, nullptr); }, {"qmoe_decode", "shared inter 2812"});
}

namespace {
QMatrix fakeMatrix(WType t, int rows, int cols)
{
    return QMatrix{fake<const void>(), t, rows, cols, wtypeRowBytes(t, cols)};
}

DequantizeParams dequantParams()
{
    DequantizeParams p;
    p.w = fakeMatrix(WType::Q4_K, 3072, 2048);
    p.out = fake<__nv_bfloat16>();
    p.ld = 2048;
    p.n_rows = 1024;
    return p;
}

// V2-Lite at Q4_K_M: routed Q4_K gate/up, Q5_0 down (1408 is not a multiple of 256), shared Q4_K / Q6_K.
QMoePrefillParams qmoePrefillParams()
{
    QMoePrefillParams p;
    p.x = fake<const __nv_bfloat16>();
    p.routed = QMoeGroup{fakeMatrix(WType::Q4_K, 64 * 1408, 2048), fakeMatrix(WType::Q4_K, 64 * 1408, 2048),
                         fakeMatrix(WType::Q5_0, 64 * 2048, 1408), 1408};
    p.shared = QMoeGroup{fakeMatrix(WType::Q4_K, 2816, 2048), fakeMatrix(WType::Q4_K, 2816, 2048),
                         fakeMatrix(WType::Q6_K, 2048, 2816), 2816};
    p.has_shared = 1;
    p.topk_ids = fake<const int>();
    p.topk_weights = fake<const float>();
    p.out_f32 = fake<float>();
    p.ws_sorted_token = p.ws_slot_pos = p.ws_offsets = p.ws_tile_offsets = fake<int>();
    p.ws_h = p.ws_y = fake<__nv_bfloat16>();
    p.n_tokens = 512;
    p.hidden = 2048;
    p.n_routed = 64;
    p.top_k = 6;
    return p;
}
}  // namespace

TEST(KernelArgs, dequantizeRejectsRowsPastTheMatrix)
{
    auto p = dequantParams();
    p.row0 = 3000;
    expectError([&] { launchDequantize(p, nullptr); }, {"dequantize", "rows [3000, 4024)", "3072"});
}

TEST(KernelArgs, dequantizeRejectsALeadingDimensionBelowCols)
{
    auto p = dequantParams();
    p.ld = 2040;
    expectError([&] { launchDequantize(p, nullptr); }, {"dequantize", "ld 2040"});
}

TEST(KernelArgs, dequantizeRejectsColsNotAMultipleOfTheBlock)
{
    auto p = dequantParams();
    p.w = fakeMatrix(WType::Q4_K, 2048, 1408);  // 1408 = 5.5 super-blocks
    p.ld = 1408;
    expectError([&] { launchDequantize(p, nullptr); }, {"dequantize", "cols 1408", "multiple of 256", "Q4_K"});
}

TEST(KernelArgs, dequantizeRejectsAWrongRowStride)
{
    auto p = dequantParams();
    p.w.row_bytes = 2048 * 2;
    expectError([&] { launchDequantize(p, nullptr); }, {"dequantize", "row_bytes 4096", "1152"});
}

TEST(KernelArgs, dequantizeRejectsAnUnknownType)
{
    auto p = dequantParams();
    p.w.type = static_cast<WType>(42);
    expectError([&] { launchDequantize(p, nullptr); }, {"dequantize", "unknown weight type 42"});
}

TEST(KernelArgs, dequantizeRejectsAnUnalignedOutput)
{
    auto p = dequantParams();
    p.out = reinterpret_cast<__nv_bfloat16*>(g_fake + 2);
    expectError([&] { launchDequantize(p, nullptr); }, {"dequantize", "out", "16-byte aligned"});
}

TEST(KernelArgs, qmoePrefillRejectsInterNotMultipleOf64)
{
    auto p = qmoePrefillParams();
    p.routed.inter = 1400;
    expectError([&] { launchQMoePrefill(p, nullptr); }, {"qmoe_prefill", "routed.inter 1400"});
}

TEST(KernelArgs, qmoePrefillRejectsGateAndUpOfDifferentTypes)
{
    auto p = qmoePrefillParams();
    p.shared.up = fakeMatrix(WType::Q8_0, 2816, 2048);
    expectError([&] { launchQMoePrefill(p, nullptr); }, {"qmoe_prefill", "shared", "gate and up must share a type"});
}

TEST(KernelArgs, qmoePrefillRejectsADownMatrixOfTheWrongShape)
{
    auto p = qmoePrefillParams();
    p.routed.down = fakeMatrix(WType::Q5_0, 63 * 2048, 1408);  // one expert short
    expectError([&] { launchQMoePrefill(p, nullptr); }, {"qmoe_prefill", "routed: down must be [131072, 1408]"});
}

TEST(KernelArgs, qmoePrefillRejectsAKTypeDownOver1408Columns)
{
    auto p = qmoePrefillParams();
    p.routed.down = fakeMatrix(WType::Q4_K, 64 * 2048, 1408);
    expectError([&] { launchQMoePrefill(p, nullptr); }, {"qmoe_prefill", "routed.down", "multiple of 256"});
}

TEST(KernelArgs, qmoePrefillRejectsNoExpertsAtAll)
{
    auto p = qmoePrefillParams();
    p.top_k = 0;
    p.has_shared = 0;
    expectError([&] { launchQMoePrefill(p, nullptr); }, {"qmoe_prefill", "nothing to compute"});
}

TEST(KernelArgs, qmoePrefillRejectsMissingSortWorkspace)
{
    auto p = qmoePrefillParams();
    p.ws_offsets = nullptr;
    expectError([&] { launchQMoePrefill(p, nullptr); }, {"qmoe_prefill", "sort workspace"});
}

TEST(KernelArgs, qmoePrefillRejectsHiddenNotMultipleOf128)
{
    auto p = qmoePrefillParams();
    p.hidden = 2000;
    expectError([&] { launchQMoePrefill(p, nullptr); }, {"qmoe_prefill", "hidden 2000"});
}

TEST(KernelArgs, qmoePrefillAcceptsADenseLayerWithoutRoutedWeights)
{
    // Layer 0 of V2-Lite: only the shared group (inter 10944, Q5_0 down); n_tokens 0 launches nothing.
    QMoePrefillParams p;
    p.x = fake<const __nv_bfloat16>();
    p.shared = QMoeGroup{fakeMatrix(WType::Q4_K, 10944, 2048), fakeMatrix(WType::Q4_K, 10944, 2048),
                         fakeMatrix(WType::Q5_0, 2048, 10944), 10944};
    p.has_shared = 1;
    p.out_f32 = fake<float>();
    p.ws_h = p.ws_y = fake<__nv_bfloat16>();
    p.hidden = 2048;
    p.n_tokens = 0;
    EXPECT_NO_THROW(launchQMoePrefill(p, nullptr));
}
