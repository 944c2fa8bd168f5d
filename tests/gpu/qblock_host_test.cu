// The quantized kernels' dequantization (kernels/qblock.cuh) run on the CPU, group by group,
// against the engine's exact CPU dequantization (the twin): every weight must be equal bit for bit,
// for every type and at every block position and alignment. Needs no GPU (no label): the device
// code is the same source, compiled for the host.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/qblocks.cuh"
#include "kernels/qdot.cuh"
#include "kernels/qdot8.cuh"
#include "kernels/twins/qmatrix_twin.h"
#include "kernels/twins/qmoe_decode_twin.h"
#include "tests/gpu/quant_gpu_util.h"

using fathom::kernels::WType;

namespace {

template <WType T>
void expectGroupsMatchTwin(int rows, int cols, std::uint64_t seed)
{
    fathom::attntest::Rng rng(seed);
    const fathom::quanttest::PackedMatrix m = fathom::quanttest::randomPacked(T, rows, cols, rng);
    const fathom::kernels::QMatrix q = m.host();
    const std::vector<float> want = fathom::kernels::twins::dequantizeRowsTwin(q, 0, rows);
    int mismatches = 0;
    for (int r = 0; r < rows && mismatches < 5; ++r) {
        const auto* row = static_cast<const unsigned char*>(q.data) + r * q.row_bytes;
        for (int g = 0; g < cols / 8; ++g) {
            float w[8];
            fathom::kernels::qblock::dequantGroup<T>(row, g, w);
            for (int i = 0; i < 8; ++i) {
                const float t = want[static_cast<size_t>(r) * cols + 8 * g + i];
                if (std::memcmp(&w[i], &t, 4) != 0 && mismatches++ < 5)
                    ADD_FAILURE() << fathom::kernels::wtypeName(T) << " row " << r << " element " << 8 * g + i
                                  << ": qblock " << w[i] << ", twin " << t << " (seed " << seed << ")";
            }
        }
    }
}

// Odd row counts put rows of 18-, 22-, 34- and 210-byte blocks at every 2-byte alignment.
template <WType T>
void expectTypeMatches()
{
    const bool k = fathom::kernels::wtypeBlockElements(T) == 256;
    expectGroupsMatchTwin<T>(7, k ? 768 : 96, 1234567);
    expectGroupsMatchTwin<T>(5, k ? 2048 : 1408, 987654321);
}

// The prefill side's load-then-decode chunks (kernels/qblocks.cuh) and the decode side's groups
// build on the same qblock_core.cuh and compile into one translation unit: the same weights.
template <WType T>
void expectPrefillChunksMatchGroups(int rows, int cols, std::uint64_t seed)
{
    fathom::attntest::Rng rng(seed);
    const fathom::quanttest::PackedMatrix m = fathom::quanttest::randomPacked(T, rows, cols, rng);
    const fathom::kernels::QMatrix q = m.host();
    int mismatches = 0;
    for (int r = 0; r < rows; ++r) {
        const auto* row = static_cast<const unsigned char*>(q.data) + r * q.row_bytes;
        for (int g = 0; g < cols / 8; ++g) {
            float group[8], chunk[8];
            fathom::kernels::qblock::dequantGroup<T>(row, g, group);
            typename fathom::kernels::qblocks::Chunk<T>::type c;
            c.load(row, 8 * g);
            c.decode(chunk);
            mismatches += std::memcmp(group, chunk, sizeof group) != 0;
        }
    }
    EXPECT_EQ(mismatches, 0) << fathom::kernels::wtypeName(T) << " groups whose chunk differs (seed " << seed << ")";
}

template <WType T>
void expectChunksMatch()
{
    const bool k = fathom::kernels::wtypeBlockElements(T) == 256;
    expectPrefillChunksMatchGroups<T>(7, k ? 768 : 96, 24681357);
}

// The factored dot (kernels/qdot.cuh, what qgemv and qmoe_decode run) against a double dot of the
// twin's exact weights: equal to fp32 rounding, relative to Σ |w x| of the group.
template <WType T, bool kUnitDot = false>
void expectFastDotMatchesTwin(int rows, int cols, std::uint64_t seed)
{
    fathom::attntest::Rng rng(seed);
    const fathom::quanttest::PackedMatrix m = fathom::quanttest::randomPacked(T, rows, cols, rng);
    const fathom::kernels::QMatrix q = m.host();
    const std::vector<float> w = fathom::kernels::twins::dequantizeRowsTwin(q, 0, rows);
    const std::vector<float> x = rng.floats(cols, -2, 2);
    int bad = 0;
    for (int r = 0; r < rows; ++r) {
        const auto* row = static_cast<const unsigned char*>(q.data) + r * q.row_bytes;
        constexpr int E = kUnitDot ? fathom::kernels::qblock::kUnit<T> : 8;
        for (int g = 0; g < cols / E; ++g) {
            const float* xg = x.data() + E * g;
            double want = 0, mag = 0;
            float xsum = 0.f;
            for (int i = 0; i < E; ++i) {
                const double p = static_cast<double>(w[static_cast<size_t>(r) * cols + E * g + i]) * xg[i];
                want += p;
                mag += std::fabs(p);
                xsum += xg[i];
            }
            const float got = kUnitDot ? fathom::kernels::qblock::unitDot<T>(row, g, xg, xsum)
                                       : fathom::kernels::qblock::groupDotFast<T>(row, g, xg, xsum);
            if (std::fabs(got - want) > 1e-5 * mag + 1e-30 && bad++ < 5)
                ADD_FAILURE() << fathom::kernels::wtypeName(T) << " row " << r << " group " << g << ": fast " << got
                              << ", twin " << want << " (|w x| sum " << mag << ", seed " << seed << ")";
        }
    }
}

template <WType T>
void expectFastTypeMatches()
{
    const bool k = fathom::kernels::wtypeBlockElements(T) == 256;
    expectFastDotMatchesTwin<T>(7, k ? 768 : 96, 24680);
    expectFastDotMatchesTwin<T>(5, k ? 2048 : 1408, 13579);
}

// The int8-activation block dot (kernels/qdot8.cuh) against a double dot of the twin's exact
// weights with the dequantized int8 x (d · q): the integer sums are exact, so only the final
// scaling rounds (1e-5 of Σ |w x|). The x rounding itself is quantizeX32's test below.
template <WType T>
void expectInt8DotMatchesTwin(int rows, int cols, std::uint64_t seed)
{
    namespace qb = fathom::kernels::qblock;
    fathom::attntest::Rng rng(seed);
    const fathom::quanttest::PackedMatrix m = fathom::quanttest::randomPacked(T, rows, cols, rng);
    const fathom::kernels::QMatrix q = m.host();
    const std::vector<float> w = fathom::kernels::twins::dequantizeRowsTwin(q, 0, rows);
    const std::vector<float> x = rng.floats(cols, -2, 2);
    int bad = 0;
    for (int j = 0; j < cols / 32; ++j) {
        int xq[8], xs;
        float xd;
        qb::quantizeX32(x.data() + 32 * j, xq, xd, xs);
        for (int r = 0; r < rows; ++r) {
            const auto* row = static_cast<const unsigned char*>(q.data) + r * q.row_bytes;
            double want = 0, mag = 0;
            for (int i = 0; i < 32; ++i) {
                const int qi = static_cast<signed char>((xq[i / 4] >> (8 * (i % 4))) & 0xff);
                const double p = static_cast<double>(w[static_cast<size_t>(r) * cols + 32 * j + i]) * xd * qi;
                want += p;
                mag += std::fabs(p);
            }
            const float got = qb::blockDot8<T>(row, j, xq, xd, xs);
            if (std::fabs(got - want) > 1e-5 * mag + 1e-30 && bad++ < 5)
                ADD_FAILURE() << fathom::kernels::wtypeName(T) << " row " << r << " block " << j << ": int8 " << got
                              << ", twin " << want << " (|w x| sum " << mag << ", seed " << seed << ")";
        }
    }
}

template <WType T>
void expectInt8TypeMatches()
{
    const bool k = fathom::kernels::wtypeBlockElements(T) == 256;
    expectInt8DotMatchesTwin<T>(7, k ? 768 : 96, 8642);
    expectInt8DotMatchesTwin<T>(5, k ? 2048 : 1408, 97531);
}

}  // namespace

TEST(QBlockHost, f32GroupsEqualTwin) { expectTypeMatches<WType::F32>(); }
TEST(QBlockHost, f16GroupsEqualTwin) { expectTypeMatches<WType::F16>(); }
TEST(QBlockHost, bf16GroupsEqualTwin) { expectTypeMatches<WType::BF16>(); }
TEST(QBlockHost, q8_0GroupsEqualTwin) { expectTypeMatches<WType::Q8_0>(); }
TEST(QBlockHost, q4_0GroupsEqualTwin) { expectTypeMatches<WType::Q4_0>(); }
TEST(QBlockHost, q4_1GroupsEqualTwin) { expectTypeMatches<WType::Q4_1>(); }
TEST(QBlockHost, q5_0GroupsEqualTwin) { expectTypeMatches<WType::Q5_0>(); }
TEST(QBlockHost, q5_1GroupsEqualTwin) { expectTypeMatches<WType::Q5_1>(); }
TEST(QBlockHost, q4_kGroupsEqualTwin) { expectTypeMatches<WType::Q4_K>(); }
TEST(QBlockHost, q5_kGroupsEqualTwin) { expectTypeMatches<WType::Q5_K>(); }
TEST(QBlockHost, q6_kGroupsEqualTwin) { expectTypeMatches<WType::Q6_K>(); }

TEST(QBlockHost, prefillChunksEqualDecodeGroupsForEveryType)
{
    expectChunksMatch<WType::F32>();
    expectChunksMatch<WType::F16>();
    expectChunksMatch<WType::BF16>();
    expectChunksMatch<WType::Q8_0>();
    expectChunksMatch<WType::Q4_0>();
    expectChunksMatch<WType::Q4_1>();
    expectChunksMatch<WType::Q5_0>();
    expectChunksMatch<WType::Q5_1>();
    expectChunksMatch<WType::Q4_K>();
    expectChunksMatch<WType::Q5_K>();
    expectChunksMatch<WType::Q6_K>();
}

// The random blocks are what the GPU rows feed the kernels: every dequantized weight finite.
TEST(QBlockHost, randomBlocksDequantizeToFiniteWeights)
{
    fathom::attntest::Rng rng(42);
    for (WType t : {WType::F16, WType::Q8_0, WType::Q4_1, WType::Q5_1, WType::Q4_K, WType::Q5_K, WType::Q6_K}) {
        const auto m = fathom::quanttest::randomPacked(t, 3, 512, rng);
        for (float v : fathom::kernels::twins::dequantizeRowsTwin(m.host(), 0, 3))
            ASSERT_TRUE(std::isfinite(v)) << fathom::kernels::wtypeName(t);
    }
}

TEST(QBlockHost, q8_0FastDotEqualsTwin) { expectFastTypeMatches<WType::Q8_0>(); }
TEST(QBlockHost, q4_0FastDotEqualsTwin) { expectFastTypeMatches<WType::Q4_0>(); }
TEST(QBlockHost, q4_1FastDotEqualsTwin) { expectFastTypeMatches<WType::Q4_1>(); }
TEST(QBlockHost, q5_0FastDotEqualsTwin) { expectFastTypeMatches<WType::Q5_0>(); }
TEST(QBlockHost, q5_1FastDotEqualsTwin) { expectFastTypeMatches<WType::Q5_1>(); }
TEST(QBlockHost, q4_kFastDotEqualsTwin) { expectFastTypeMatches<WType::Q4_K>(); }
TEST(QBlockHost, q5_kFastDotEqualsTwin) { expectFastTypeMatches<WType::Q5_K>(); }
TEST(QBlockHost, q6_kFastDotEqualsTwin) { expectFastTypeMatches<WType::Q6_K>(); }
TEST(QBlockHost, bf16FastDotEqualsTwin) { expectFastTypeMatches<WType::BF16>(); }

// The K-quants' 32-element units (qgemv's register path).
TEST(QBlockHost, kQuantUnitDotsEqualTwin)
{
    expectFastDotMatchesTwin<WType::Q4_K, true>(5, 2048, 111);
    expectFastDotMatchesTwin<WType::Q5_K, true>(5, 2048, 222);
    expectFastDotMatchesTwin<WType::Q6_K, true>(7, 768, 333);
    expectFastDotMatchesTwin<WType::Q8_0, true>(5, 1408, 444);
}

TEST(QBlockHost, q8_0Int8DotEqualsTwin) { expectInt8TypeMatches<WType::Q8_0>(); }
TEST(QBlockHost, q5_0Int8DotEqualsTwin) { expectInt8TypeMatches<WType::Q5_0>(); }
TEST(QBlockHost, q4_kInt8DotEqualsTwin) { expectInt8TypeMatches<WType::Q4_K>(); }
TEST(QBlockHost, q6_kInt8DotEqualsTwin) { expectInt8TypeMatches<WType::Q6_K>(); }

// x's int8 rounding: every element within half a step (d / 2) of d · q, |q| <= 127, the block's
// max at ±127, sum = Σ q; an all-zero block quantizes to d = 0, q = 0.
TEST(QBlockHost, int8QuantizedXIsWithinHalfAStep)
{
    namespace qb = fathom::kernels::qblock;
    fathom::attntest::Rng rng(777);
    for (int t = 0; t < 200; ++t) {
        const std::vector<float> x = rng.floats(32, t % 2 ? -2 : -0.01f, t % 2 ? 2 : 0.01f);
        int q[8], sum;
        float d;
        qb::quantizeX32(x.data(), q, d, sum);
        int want_sum = 0, top = 0;
        for (int i = 0; i < 32; ++i) {
            const int qi = static_cast<signed char>((q[i / 4] >> (8 * (i % 4))) & 0xff);
            want_sum += qi;
            top = std::max(top, std::abs(qi));
            ASSERT_LE(std::fabs(x[i] - d * qi), 0.5001f * d) << "trial " << t << " element " << i;
        }
        EXPECT_EQ(sum, want_sum) << "trial " << t;
        EXPECT_EQ(top, 127) << "trial " << t;
    }
    const float zeros[32] = {};
    int q[8], sum = 1;
    float d = 1.f;
    qb::quantizeX32(zeros, q, d, sum);
    EXPECT_EQ(d, 0.f);
    EXPECT_EQ(sum, 0);
    for (int k = 0; k < 8; ++k)
        EXPECT_EQ(q[k], 0);
}

// The int8 path's whole-row error on the kernel rows' inputs (randomPacked weights, x in [-2, 2),
// SwiGLU x from two such halves): the host emulation of qgemv's int8 math (quantizeX32 per 32
// elements, blockDot8 per block) must sit well inside the GPU rows' 1e-2 relative L2 of the twin.
template <WType T>
double int8RowsRelL2(int rows, int cols, bool swiglu, std::uint64_t seed)
{
    namespace qb = fathom::kernels::qblock;
    fathom::attntest::Rng rng(seed);
    const fathom::quanttest::PackedMatrix m = fathom::quanttest::randomPacked(T, rows, cols, rng);
    const fathom::kernels::QMatrix q = m.host();
    const std::vector<float> x = rng.floats(static_cast<size_t>(cols) * (swiglu ? 2 : 1), -2, 2);
    std::vector<float> xe(x.begin(), x.begin() + cols);
    if (swiglu)
        for (int i = 0; i < cols; ++i)
            xe[i] = x[i] / (1.f + std::exp(-x[i])) * x[cols + i];
    std::vector<float> want(rows);
    fathom::kernels::twins::qgemvTwin(q, x.data(), swiglu, cols, want.data(), false);
    std::vector<int> xq(cols / 4), xs(cols / 32);
    std::vector<float> xd(cols / 32);
    for (int j = 0; j < cols / 32; ++j)
        qb::quantizeX32(xe.data() + 32 * j, xq.data() + 8 * j, xd[j], xs[j]);
    double num = 0, den = 0;
    for (int r = 0; r < rows; ++r) {
        const auto* row = static_cast<const unsigned char*>(q.data) + r * q.row_bytes;
        double got = 0;
        for (int j = 0; j < cols / 32; ++j)
            got += qb::blockDot8<T>(row, j, xq.data() + 8 * j, xd[j], xs[j]);
        num += (got - want[r]) * (got - want[r]);
        den += static_cast<double>(want[r]) * want[r];
    }
    return std::sqrt(num / den);
}

TEST(QBlockHost, int8RowsStayInsideTheGpuRowsTolerance)
{
    const double e[] = {int8RowsRelL2<WType::Q4_K>(256, 2048, false, 1), int8RowsRelL2<WType::Q5_0>(256, 2048, false, 2),
                        int8RowsRelL2<WType::Q6_K>(256, 2048, false, 3), int8RowsRelL2<WType::Q8_0>(256, 2048, false, 4),
                        int8RowsRelL2<WType::Q5_0>(64, 10944, true, 5),  int8RowsRelL2<WType::Q8_0>(64, 10944, true, 6),
                        int8RowsRelL2<WType::Q6_K>(128, 2816, true, 7)};
    for (double v : e)  // measured: 3.5e-3 .. 4.6e-3 for hidden-state x, 6.6e-3 .. 7.6e-3 for SwiGLU x
        EXPECT_LT(v, 9e-3);
}

// The same for qmoe_decode's int8 path: x rounded for gate/up, h = w · SiLU(g) · u rounded again
// for down, on the kernel_ops_test rows' inputs (x in [-1, 1), weights in [0.05, 0.5), no
// accumulation): inside the GPU rows' 3e-2 of the exact twin. Over seeds 100..107 the Q4_K/Q8_0
// layer measured 0.2 % .. 1.5 %, the Q4_K/Q5_0/Q6_K one 0.76 % .. 1.15 %: two roundings of a
// heavy-tailed h, not a bug (the integer sums are exact, see the block tests above).
double int8MoeRelL2(WType gateUp, WType down, WType sGateUp, WType sDown, std::uint64_t seed)
{
    namespace qb = fathom::kernels::qblock;
    namespace tw = fathom::kernels::twins;
    constexpr int kHidden = 2048, kRouted = 8, kTopK = 6, kInter = 1408, kShared = 2816;
    fathom::attntest::Rng rng(seed);
    using fathom::quanttest::randomPacked;
    const auto g = randomPacked(gateUp, kRouted * kInter, kHidden, rng), u = randomPacked(gateUp, kRouted * kInter, kHidden, rng),
               d = randomPacked(down, kRouted * kHidden, kInter, rng);
    const auto sg = randomPacked(sGateUp, kShared, kHidden, rng), su = randomPacked(sGateUp, kShared, kHidden, rng),
               sd = randomPacked(sDown, kHidden, kShared, rng);
    const std::vector<float> x = rng.floats(kHidden, -1, 1);
    int ids[kTopK];
    float w[kTopK];
    for (int j = 0; j < kTopK; ++j) {
        ids[j] = rng.below(kRouted);
        w[j] = rng.uniform(0.05f, 0.5f);
    }
    std::vector<float> want(kHidden);
    tw::qmoeDecodeTwin(x.data(), {g.host(), u.host(), d.host(), kInter}, {sg.host(), su.host(), sd.host(), kShared}, ids, w,
                       kHidden, kTopK, 1, false, want.data());
    auto dot = [](const fathom::kernels::QMatrix& m, long long r, const std::vector<float>& v) {
        std::vector<int> q(8);
        double s = 0;
        const auto* row = static_cast<const unsigned char*>(m.data) + r * m.row_bytes;
        for (int j = 0; j < m.cols / 32; ++j) {
            int sum;
            float dx;
            qb::quantizeX32(v.data() + 32 * j, q.data(), dx, sum);
            switch (m.type) {
            case WType::Q8_0: s += qb::blockDot8<WType::Q8_0>(row, j, q.data(), dx, sum); break;
            case WType::Q5_0: s += qb::blockDot8<WType::Q5_0>(row, j, q.data(), dx, sum); break;
            case WType::Q4_K: s += qb::blockDot8<WType::Q4_K>(row, j, q.data(), dx, sum); break;
            default: s += qb::blockDot8<WType::Q6_K>(row, j, q.data(), dx, sum); break;
            }
        }
        return s;
    };
    std::vector<double> got(kHidden, 0.0);
    for (int slot = 0; slot <= kTopK; ++slot) {
        const bool routed = slot < kTopK;
        const int inter = routed ? kInter : kShared;
        const long long r0 = routed ? static_cast<long long>(ids[slot]) * kInter : 0;
        std::vector<float> h(inter);
        for (int i = 0; i < inter; ++i) {
            const float gv = static_cast<float>(dot(routed ? g.host() : sg.host(), r0 + i, x));
            const float uv = static_cast<float>(dot(routed ? u.host() : su.host(), r0 + i, x));
            h[i] = (routed ? w[slot] : 1.f) * gv / (1.f + std::exp(-gv)) * uv;
        }
        for (int o = 0; o < kHidden; ++o)
            got[o] += routed ? dot(d.host(), static_cast<long long>(ids[slot]) * kHidden + o, h) : dot(sd.host(), o, h);
    }
    double num = 0, den = 0;
    for (int o = 0; o < kHidden; ++o) {
        num += (got[o] - want[o]) * (got[o] - want[o]);
        den += static_cast<double>(want[o]) * want[o];
    }
    return std::sqrt(num / den);
}

TEST(QBlockHost, int8MoeLayerStaysInsideTheGpuRowsTolerance)
{
    const double a = int8MoeRelL2(WType::Q4_K, WType::Q5_0, WType::Q4_K, WType::Q6_K, 31);
    const double b = int8MoeRelL2(WType::Q4_K, WType::Q8_0, WType::Q4_K, WType::Q4_K, 32);
    const double c = int8MoeRelL2(WType::Q8_0, WType::Q8_0, WType::Q8_0, WType::Q8_0, 33);
    EXPECT_LT(a, 3e-2);  // measured 1.0e-2
    EXPECT_LT(b, 3e-2);  // 1.55e-2
    EXPECT_LT(c, 3e-2);  // 8.1e-3
}
