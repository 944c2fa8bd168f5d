// Every kernel against its CPU twin on fresh random inputs at several shapes, the real V2-Lite ones
// included (STYLE.md rule 2, llama.cpp test-backend-ops style). Outputs are poisoned with NaN first,
// so an element the kernel never wrote fails. Adding a kernel = adding its rows to kRows.
#include "tests/gpu/attn_gpu_util.h"
#include "tests/gpu/kernel_cases_attn.h"
#include "tests/gpu/kernel_cases_mla.h"

#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace fathom::attntest {
namespace {

struct OpRow {
    std::string op;
    std::string shape;
    std::function<OpOutputs(Rng&)> run;  // fresh inputs -> (kernel output, twin output)
    double tolerance;                    // relative L2: ~1e-5 fp32 paths, ~1e-2 bf16 paths
};

// A row from a Case type: Case(shape, rng) makes inputs; kernel() and twin() compute the outputs.
template <typename Case, typename Shape>
OpRow row(const char* op, const Shape& shape, double tolerance)
{
    return {op, shape.name(), [shape](Rng& rng) {
                Case c(shape, rng);
                OpOutputs o;
                o.kernel = c.kernel();
                o.twin = c.twin();
                return o;
            },
            tolerance};
}

const std::vector<OpRow>& rows()
{
    static const std::vector<OpRow> kRows = {
        // ---- kattn: embedding, norms, rope, GEMV, MLA --------------------------------------------
        row<EmbeddingCase>("embedding", EmbeddingShape{102400, 2048, 7, false}, 0.0),
        row<EmbeddingCase>("embedding", EmbeddingShape{1000, 64, 5, true}, 0.0),
        row<RmsNormCase>("rmsnorm", RmsNormShape{1, 2048, true, false}, 1e-5),
        row<RmsNormCase>("rmsnorm", RmsNormShape{7, 2048, false, true}, 1e-2),
        row<RmsNormCase>("rmsnorm", RmsNormShape{3, 7168, true, false}, 1e-5),
        row<RmsNormCase>("rmsnorm", RmsNormShape{2, 512, false, false}, 1e-5),
        row<RopeCase>("rope", RopeShape{9, 16, 192, 128, false}, 1e-5),
        row<RopeCase>("rope", RopeShape{33, 16, 192, 128, true}, 1e-2),
        row<RopeCase>("rope", RopeShape{4, 128, 192, 128, false}, 1e-5),
        row<GemvCase>("gemv", GemvShape{3648, 2048, 1, GemvShape::Plain}, 1e-5),           // q_proj + kv_a_proj
        row<GemvCase>("gemv", GemvShape{21888, 2048, 1, GemvShape::Plain}, 1e-5),          // dense gate_up
        row<GemvCase>("gemv", GemvShape{2048, 10944, 1, GemvShape::Swiglu}, 1e-5),         // dense down (SwiGLU in)
        row<GemvCase>("gemv", GemvShape{2048, 2048, 1, GemvShape::Accumulate}, 1e-5),      // o_proj into residual
        row<GemvCase>("gemv", GemvShape{102400, 2048, 1, GemvShape::Plain}, 1e-5),         // lm_head
        row<GemvCase>("gemv", GemvShape{128, 512, 16, GemvShape::Plain}, 1e-5),           // W_uv per head
        row<GemvCase>("gemv", GemvShape{512, 128, 16, GemvShape::OutBf16}, 1e-2),          // W_uk^T absorb -> bf16
        row<GemvCase>("gemv", GemvShape{1001, 2056, 1, GemvShape::XBf16}, 1e-5),           // ragged rows, bf16 x
        row<KvAppendCase>("mla_kv_append", KvAppendShape{1, 3648, 3072}, 1e-2),             // decode: kv inside qkv
        row<KvAppendCase>("mla_kv_append", KvAppendShape{37, 576, 0}, 1e-2),
        row<MlaDecodeCase>("mla_decode", MlaDecodeShape{16, 1, 0}, 1e-2),
        row<MlaDecodeCase>("mla_decode", MlaDecodeShape{16, 100, 0}, 1e-2),
        row<MlaDecodeCase>("mla_decode", MlaDecodeShape{16, 4096, 0}, 1e-2),
        row<MlaDecodeCase>("mla_decode", MlaDecodeShape{16, 32768, 0}, 1e-2),
        row<MlaDecodeCase>("mla_decode", MlaDecodeShape{16, 1000, 1}, 1e-2),                // one split: long loop
        row<MlaDecodeCase>("mla_decode", MlaDecodeShape{32, 777, 7}, 1e-2),
        row<MlaPrefillCase>("mla_prefill", MlaPrefillShape{16, 0, 17, 0}, 1e-2),
        row<MlaPrefillCase>("mla_prefill", MlaPrefillShape{16, 100, 64, 0}, 1e-2),
        row<MlaPrefillCase>("mla_prefill", MlaPrefillShape{16, 0, 256, 0}, 1e-2),
        row<MlaPrefillCase>("mla_prefill", MlaPrefillShape{16, 30, 90, 40}, 1e-2),          // chunked queries
        // ---- end kattn --------------------------------------------------------------------------

        // ---- kmoe: routing, experts, sampling (rows go here) -------------------------------------
        // ---- end kmoe ---------------------------------------------------------------------------
    };
    return kRows;
}

class KernelOps : public ::testing::TestWithParam<std::size_t> {};

TEST_P(KernelOps, matchesCpuTwin)
{
    const std::string reason = noDeviceReason();
    if (!reason.empty())
        GTEST_SKIP() << reason;
    const OpRow& r = rows()[GetParam()];
    const auto seed = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    Rng rng(seed);
    const OpOutputs out = r.run(rng);
    ASSERT_FALSE(out.twin.empty());
    const Comparison c = compare(out.kernel, out.twin);
    EXPECT_EQ(c.badElements, 0u) << r.op << " " << r.shape << ": " << c.badElements
                                 << " elements non-finite in one output only, first at " << c.firstBad
                                 << " (kernel " << out.kernel[c.firstBad] << ", twin " << out.twin[c.firstBad]
                                 << "), seed " << seed;
    EXPECT_LE(c.relL2, r.tolerance) << r.op << " " << r.shape << ": relative L2 error " << c.relL2 << ", seed " << seed;
    std::printf("[ %-13s %-28s ] rel L2 %.3g (tolerance %.0e)\n", r.op.c_str(), r.shape.c_str(), c.relL2, r.tolerance);
}

std::string rowName(const ::testing::TestParamInfo<std::size_t>& info)
{
    const OpRow& r = rows()[info.param];
    std::string n = r.op + "_" + r.shape;
    for (char& ch : n)
        if (!std::isalnum(static_cast<unsigned char>(ch)))
            ch = '_';
    return n;
}

INSTANTIATE_TEST_SUITE_P(All, KernelOps, ::testing::Range<std::size_t>(0, rows().size()), rowName);

}  // namespace
}  // namespace fathom::attntest
