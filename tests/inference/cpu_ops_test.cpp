// CPU ops against naive references and small hand-computed cases: matmul in all weight dtypes,
// rmsnorm, YaRN rope on interleaved pairs, MoE routing rules, both MLA attention forms.
#include "inference/cpu/matmul.h"
#include "inference/cpu/matvec_transposed.h"
#include "inference/cpu/mla_attention.h"
#include "inference/cpu/moe_routing.h"
#include "inference/cpu/rmsnorm.h"
#include "inference/cpu/rope.h"
#include "inference/cpu/simd.h"
#include "inference/cpu/swiglu_mlp.h"
#include "inference/cpu/thread_pool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <numbers>
#include <random>
#include <thread>
#include <vector>

using namespace fathom::inference;
using namespace fathom::inference::cpu;

namespace {

std::vector<float> randomVector(std::size_t n, std::uint32_t seed, float scale = 1.0f)
{
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> d(-scale, scale);
    std::vector<float> v(n);
    for (float& x : v)
        x = d(rng);
    return v;
}

// A weight matrix in `dtype` whose values are exactly representable there, plus those values.
struct TestWeight {
    std::vector<std::uint16_t> half;
    std::vector<float> values;  // fp32 [rows, cols], exactly what the weight holds
    WeightMatrix matrix;
};

std::uint16_t f16Bits(float v)  // only for values exactly representable as normal f16 or 0
{
    if (v == 0.0f)
        return 0;
    std::uint32_t b;
    std::memcpy(&b, &v, 4);
    const std::uint32_t sign = (b >> 16) & 0x8000u;
    const int exp = int((b >> 23) & 0xff) - 127 + 15;
    return static_cast<std::uint16_t>(sign | (std::uint32_t(exp) << 10) | ((b >> 13) & 0x3ffu));
}

TestWeight makeWeight(DType dtype, std::int64_t rows, std::int64_t cols, std::uint32_t seed)
{
    TestWeight w;
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> d(-1024, 1024);
    w.values.resize(static_cast<std::size_t>(rows * cols));
    for (float& v : w.values)
        v = float(d(rng)) / 1024.0f;  // 11 significant bits: exact in f16; bf16 rounds below
    if (dtype == DType::BF16) {
        for (float& v : w.values) {
            std::uint32_t b;
            std::memcpy(&b, &v, 4);
            b &= 0xffff0000u;
            std::memcpy(&v, &b, 4);
            std::uint16_t h = static_cast<std::uint16_t>(b >> 16);
            w.half.push_back(h);
        }
    } else if (dtype == DType::F16) {
        for (float v : w.values)
            w.half.push_back(f16Bits(v));
    }
    w.matrix.dtype = dtype;
    w.matrix.rows = rows;
    w.matrix.cols = cols;
    w.matrix.data = dtype == DType::F32 ? reinterpret_cast<const std::byte*>(w.values.data())
                                        : reinterpret_cast<const std::byte*>(w.half.data());
    return w;
}

double relL2(const std::vector<float>& a, const std::vector<double>& b)
{
    double num = 0, den = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        num += (a[i] - b[i]) * (a[i] - b[i]);
        den += b[i] * b[i];
    }
    return std::sqrt(num / std::max(den, 1e-30));
}

}  // namespace

TEST(CpuOps, widensF16IncludingSubnormalsAndInfinity)
{
    EXPECT_EQ(widen(F16{0x3c00}), 1.0f);
    EXPECT_EQ(widen(F16{0xc000}), -2.0f);
    EXPECT_EQ(widen(F16{0x7bff}), 65504.0f);
    EXPECT_EQ(widen(F16{0x0001}), std::ldexp(1.0f, -24));
    EXPECT_EQ(widen(F16{0x83ff}), -1023.0f * std::ldexp(1.0f, -24));
    EXPECT_TRUE(std::isinf(widen(F16{0x7c00})));
    EXPECT_TRUE(std::isnan(widen(F16{0x7e00})));
    const std::uint16_t bits[8] = {0x3c00, 0xc000, 0x7bff, 0x0001, 0x83ff, 0x3555, 0x0400, 0x8000};
    const v8f v = load8(reinterpret_cast<const F16*>(bits));
    for (int i = 0; i < 8; ++i)
        EXPECT_EQ(v[i], widen(F16{bits[i]})) << i;
    EXPECT_EQ(widen(Bf16{0x3f80}), 1.0f);
    EXPECT_EQ(widen(Bf16{0xc0a0}), -5.0f);
}

TEST(CpuOps, matmulMatchesNaiveForEveryDtypeAndShape)
{
    ThreadPool pool(3);
    const std::int64_t ns[] = {1, 2, 3, 4, 5, 6, 7, 13, 40};
    const std::int64_t rowsList[] = {1, 15, 16, 33};
    const std::int64_t colsList[] = {1, 7, 40, 300};
    for (DType dtype : {DType::F32, DType::BF16, DType::F16}) {
        for (std::int64_t rows : rowsList) {
            for (std::int64_t cols : colsList) {
                const TestWeight w = makeWeight(dtype, rows, cols, std::uint32_t(rows * 131 + cols));
                for (std::int64_t n : ns) {
                    const std::vector<float> x = randomVector(std::size_t(n * cols), std::uint32_t(n));
                    std::vector<float> y(std::size_t(n * rows), std::nanf(""));  // poisoned
                    matmul(pool, x.data(), n, w.matrix, y.data());
                    std::vector<double> ref(y.size());
                    for (std::int64_t t = 0; t < n; ++t)
                        for (std::int64_t r = 0; r < rows; ++r) {
                            double s = 0;
                            for (std::int64_t c = 0; c < cols; ++c)
                                s += double(x[size_t(t * cols + c)]) * w.values[size_t(r * cols + c)];
                            ref[size_t(t * rows + r)] = s;
                        }
                    EXPECT_LT(relL2(y, ref), 1e-5) << "dtype " << int(dtype) << " n=" << n << " rows=" << rows
                                                   << " cols=" << cols;
                }
            }
        }
    }
}

TEST(CpuOps, matmulHonoursRowStrides)
{
    ThreadPool pool(2);
    const TestWeight w = makeWeight(DType::BF16, 20, 24, 7);
    for (std::int64_t n : {1, 9}) {
        const std::int64_t xs = 30, ys = 25;
        const std::vector<float> x = randomVector(std::size_t(n * xs), 3);
        std::vector<float> y(std::size_t(n * ys), -7.0f);
        matmul(pool, x.data(), n, xs, w.matrix, y.data(), ys);
        for (std::int64_t t = 0; t < n; ++t) {
            for (std::int64_t r = 0; r < 20; ++r) {
                double s = 0;
                for (std::int64_t c = 0; c < 24; ++c)
                    s += double(x[size_t(t * xs + c)]) * w.values[size_t(r * 24 + c)];
                EXPECT_NEAR(y[size_t(t * ys + r)], s, 1e-4);
            }
            for (std::int64_t r = 20; r < ys; ++r)
                EXPECT_EQ(y[size_t(t * ys + r)], -7.0f) << "wrote past the row";
        }
    }
}

TEST(CpuOps, matvecTransposedSumsWeightedRows)
{
    const TestWeight w = makeWeight(DType::BF16, 5, 19, 11);
    const std::vector<float> x = randomVector(5, 2);
    std::vector<float> y(19, std::nanf(""));
    matvecTransposed(x.data(), w.matrix, y.data());
    for (int c = 0; c < 19; ++c) {
        double s = 0;
        for (int r = 0; r < 5; ++r)
            s += double(x[size_t(r)]) * w.values[size_t(r * 19 + c)];
        EXPECT_NEAR(y[size_t(c)], s, 1e-5);
    }
}

TEST(CpuOps, rmsnormMatchesHandComputedRow)
{
    ThreadPool pool(1);
    const float x[4] = {1, 2, 3, 4};
    const float w[4] = {1, 1, 2, 0.5f};
    float out[4];
    rmsnorm(pool, x, 1, 4, w, 4, 0.0f, out, 4);
    const float rms = std::sqrt(30.0f / 4.0f);  // 2.7386
    EXPECT_NEAR(out[0], 1 / rms, 1e-6);
    EXPECT_NEAR(out[1], 2 / rms, 1e-6);
    EXPECT_NEAR(out[2], 2 * 3 / rms, 1e-6);
    EXPECT_NEAR(out[3], 0.5 * 4 / rms, 1e-6);
}

TEST(CpuOps, plainRopeRotatesInterleavedPairs)
{
    RopeScaling none;
    const YarnRope rope(4, 10000.0, none);
    ASSERT_EQ(rope.invFreq().size(), 2u);
    EXPECT_FLOAT_EQ(rope.invFreq()[0], 1.0f);
    EXPECT_FLOAT_EQ(rope.invFreq()[1], 0.01f);  // 10000^(-2/4)
    // (x0,x1) is pair 0 at angle pos·1, (x2,x3) pair 1 at angle pos·0.01.
    float x[4] = {1, 0, 0.5f, 2};
    rope.apply(x, 1, 4, 2);
    EXPECT_NEAR(x[0], std::cos(2.0), 1e-6);
    EXPECT_NEAR(x[1], std::sin(2.0), 1e-6);
    EXPECT_NEAR(x[2], 0.5 * std::cos(0.02) - 2 * std::sin(0.02), 1e-6);
    EXPECT_NEAR(x[3], 2 * std::cos(0.02) + 0.5 * std::sin(0.02), 1e-6);
}

TEST(CpuOps, yarnUsesFlooredAndCeiledCorrectionRange)
{
    // DeepSeek's shape: dim 64, θ 1e4, factor 40, original 4096, β 32 / 1.
    // correction_dim(32) = 64·ln(4096/(32·2π)) / (2·ln 1e4) = 10.47 -> floor 10
    // correction_dim(1)  = 64·ln(4096/(2π))    / (2·ln 1e4) = 22.51 -> ceil 23
    RopeScaling s;
    s.yarn = true;
    s.factor = 40;
    s.originalMaxPosition = 4096;
    s.betaFast = 32;
    s.betaSlow = 1;
    s.mscale = 0.707;
    s.mscaleAllDim = 0.707;
    const YarnRope rope(64, 10000.0, s);
    auto extra = [](int i) { return std::pow(10000.0, -2.0 * i / 64.0); };
    for (int i : {0, 5, 10})  // ramp 0: original frequency
        EXPECT_NEAR(rope.invFreq()[size_t(i)], extra(i), 1e-6 * extra(i)) << i;
    for (int i : {23, 31})  // ramp 1: interpolated by the factor
        EXPECT_NEAR(rope.invFreq()[size_t(i)], extra(i) / 40, 1e-6 * extra(i)) << i;
    const double ramp = (16.0 - 10.0) / 13.0;  // between: linear in the index
    EXPECT_NEAR(rope.invFreq()[16], extra(16) * (ramp / 40 + (1 - ramp)), 1e-6 * extra(16));
    EXPECT_FLOAT_EQ(rope.cosSinScale(), 1.0f);  // mscale == mscale_all_dim
}

TEST(CpuOps, yarnScalesCosSinByMscaleRatio)
{
    RopeScaling s;
    s.yarn = true;
    s.factor = 40;
    s.originalMaxPosition = 4096;
    s.mscale = 1.0;
    s.mscaleAllDim = 0.707;
    const YarnRope rope(8, 10000.0, s);
    const double ratio = (0.1 * std::log(40.0) + 1) / (0.0707 * std::log(40.0) + 1);  // 1.0857
    EXPECT_NEAR(rope.cosSinScale(), ratio, 1e-6);
    EXPECT_NEAR(yarnMscale(40.0, 0.707), 0.0707 * std::log(40.0) + 1, 1e-12);
    EXPECT_EQ(yarnMscale(1.0, 0.707), 1.0);
    float x[8] = {1, 0, 1, 0, 1, 0, 1, 0};
    rope.apply(x, 1, 8, 0);  // angle 0: only the scale remains
    EXPECT_NEAR(x[0], ratio, 1e-6);
    EXPECT_NEAR(x[1], 0.0, 1e-7);
}

namespace {
RoutingParams routing(TopkMethod m, ScoringFunc f, std::int64_t e, std::int64_t k, bool norm, float scale)
{
    RoutingParams p;
    p.nExperts = e;
    p.topK = k;
    p.method = m;
    p.scoring = f;
    p.normTopkProb = norm;
    p.routedScalingFactor = scale;
    return p;
}
}  // namespace

TEST(CpuOps, greedyRoutingUsesSoftmaxAndScalesUnlessNormalized)
{
    // softmax([0, ln2, ln4, 0]) = [1, 2, 4, 1] / 8
    const float logits[4] = {0, std::log(2.0f), std::log(4.0f), 0};
    std::int32_t ex[2];
    float w[2], scratch[16];
    routeToken(routing(TopkMethod::Greedy, ScoringFunc::Softmax, 4, 2, false, 16.0f), logits, ex, w, scratch);
    EXPECT_EQ(ex[0], 2);
    EXPECT_EQ(ex[1], 1);
    EXPECT_NEAR(w[0], 0.5 * 16, 1e-5);
    EXPECT_NEAR(w[1], 0.25 * 16, 1e-5);
    routeToken(routing(TopkMethod::Greedy, ScoringFunc::Softmax, 4, 2, true, 16.0f), logits, ex, w, scratch);
    EXPECT_NEAR(w[0], 2.0 / 3, 1e-6);  // normalized, not scaled
    EXPECT_NEAR(w[1], 1.0 / 3, 1e-6);
    // top_k = 1 with norm_topk_prob: DeepSeek's V2 code scales instead of normalizing.
    routeToken(routing(TopkMethod::Greedy, ScoringFunc::Softmax, 4, 1, true, 2.0f), logits, ex, w, scratch);
    EXPECT_EQ(ex[0], 2);
    EXPECT_NEAR(w[0], 1.0, 1e-6);
}

TEST(CpuOps, groupLimitedGreedyScoresGroupsByTheirMax)
{
    // Groups of 2: g0 = {10, 1}, g1 = {8, 7.9}, g2 = {9, 1}, g3 = {1, 1}. By max, g0 and g2 are kept
    // (by sum g1 would win); so the third expert is e1, not e2.
    const float v[8] = {10, 1, 8, 7.9f, 9, 1, 1, 1};
    float logits[8];
    for (int i = 0; i < 8; ++i)
        logits[i] = std::log(v[i]);  // softmax scores ∝ v
    RoutingParams p = routing(TopkMethod::GroupLimitedGreedy, ScoringFunc::Softmax, 8, 3, false, 1.0f);
    p.nGroup = 4;
    p.topkGroup = 2;
    std::int32_t ex[3];
    float w[3], scratch[32];
    routeToken(p, logits, ex, w, scratch);
    EXPECT_EQ(ex[0], 0);
    EXPECT_EQ(ex[1], 4);
    EXPECT_EQ(ex[2], 1);
    EXPECT_NEAR(w[2], 1.0 / 38.9, 1e-6);
}

TEST(CpuOps, noauxTcChoosesWithBiasButWeighsUnbiasedScores)
{
    // Sigmoid scores 0.5 everywhere except e2 (logit ln3 -> 0.75). Biased choice scores:
    // g0 = {1.5, 0.51}, g1 = {1.3, 1.29}, g2 = {1.4, 0.51}, g3 = {0.51, 0.51}. Sum of top-2 keeps
    // g1 (2.59) and g0 (2.01); max would have kept g2. Chosen: e0, e2, e3.
    float logits[8] = {0, 0, std::log(3.0f), 0, 0, 0, 0, 0};
    const float bias[8] = {1.0f, 0.01f, 0.55f, 0.79f, 0.9f, 0.01f, 0.01f, 0.01f};
    RoutingParams p = routing(TopkMethod::NoauxTc, ScoringFunc::Sigmoid, 8, 3, true, 2.5f);
    p.nGroup = 4;
    p.topkGroup = 2;
    p.bias = bias;
    std::int32_t ex[3];
    float w[3], scratch[32];
    routeToken(p, logits, ex, w, scratch);
    EXPECT_EQ(ex[0], 0);
    EXPECT_EQ(ex[1], 2);
    EXPECT_EQ(ex[2], 3);
    EXPECT_NEAR(w[0], 0.5 / 1.75 * 2.5, 1e-5);
    EXPECT_NEAR(w[1], 0.75 / 1.75 * 2.5, 1e-5);
    EXPECT_NEAR(w[2], 0.5 / 1.75 * 2.5, 1e-5);
    // Without norm_topk_prob the raw sigmoid scores are still scaled.
    p.normTopkProb = false;
    routeToken(p, logits, ex, w, scratch);
    EXPECT_NEAR(w[1], 0.75 * 2.5, 1e-5);
}

TEST(CpuOps, noauxTcNeverPicksExpertsOutsideKeptGroups)
{
    // Biased scores (sigmoid(0) = 0.5 + bias): g0 = {0.5, 0.95}, g1 = {1.0, 0.1}. Sum of top-2 keeps
    // g0 (1.45 > 1.1), so the best single expert e2 is excluded: the picks are e1 then e0.
    float logits[4] = {0, 0, 0, 0};
    const float bias[4] = {0.0f, 0.45f, 0.5f, -0.4f};
    RoutingParams p = routing(TopkMethod::NoauxTc, ScoringFunc::Sigmoid, 4, 2, true, 1.0f);
    p.nGroup = 2;
    p.topkGroup = 1;
    p.bias = bias;
    std::int32_t ex[2];
    float w[2], scratch[16];
    routeToken(p, logits, ex, w, scratch);
    EXPECT_EQ(ex[0], 1);
    EXPECT_EQ(ex[1], 0);
    EXPECT_NEAR(w[0], 0.5, 1e-6);  // equal unbiased scores, normalized
    EXPECT_NEAR(w[1], 0.5, 1e-6);
}

TEST(CpuOps, swigluMlpMatchesNaive)
{
    ThreadPool pool(2);
    const std::int64_t hidden = 12, inter = 20;
    SwigluWeights w;
    const TestWeight g = makeWeight(DType::BF16, inter, hidden, 1), u = makeWeight(DType::BF16, inter, hidden, 2),
                     d = makeWeight(DType::BF16, hidden, inter, 3);
    w.gate = g.matrix;
    w.up = u.matrix;
    w.down = d.matrix;
    for (std::int64_t n : {1, 7}) {
        const std::vector<float> x = randomVector(size_t(n * hidden), 5);
        std::vector<float> out(size_t(n * hidden)), scratch;
        swigluMlp(pool, x.data(), n, w, out.data(), scratch);
        std::vector<double> ref(out.size());
        for (std::int64_t t = 0; t < n; ++t) {
            std::vector<double> h(static_cast<std::size_t>(inter));
            for (std::int64_t i = 0; i < inter; ++i) {
                double a = 0, b = 0;
                for (std::int64_t c = 0; c < hidden; ++c) {
                    a += x[size_t(t * hidden + c)] * g.values[size_t(i * hidden + c)];
                    b += x[size_t(t * hidden + c)] * u.values[size_t(i * hidden + c)];
                }
                h[size_t(i)] = a / (1 + std::exp(-a)) * b;
            }
            for (std::int64_t o = 0; o < hidden; ++o) {
                double s = 0;
                for (std::int64_t i = 0; i < inter; ++i)
                    s += h[size_t(i)] * d.values[size_t(o * inter + i)];
                ref[size_t(t * hidden + o)] = s;
            }
        }
        EXPECT_LT(relL2(out, ref), 1e-5) << n;
    }
}

TEST(CpuOps, mlaAbsorbedAndExpandedMatchNaiveAttention)
{
    ThreadPool pool(3);
    MlaShape s;
    s.nHeads = 3;
    s.nopeDim = 8;
    s.ropeDim = 4;
    s.vDim = 6;
    s.kvLoraRank = 10;
    s.scale = 0.3f;
    const std::int64_t kvRows = s.nHeads * (s.nopeDim + s.vDim);
    const TestWeight kvB = makeWeight(DType::BF16, kvRows, s.kvLoraRank, 9);
    for (std::int64_t start : {0, 5}) {
        s.startPos = start;
        s.nQuery = start == 0 ? 6 : 2;
        const std::int64_t T = s.nKeys(), qk = s.nopeDim + s.ropeDim, cRow = s.kvLoraRank + s.ropeDim;
        const std::vector<float> q = randomVector(size_t(s.nQuery * s.nHeads * qk), 21);
        const std::vector<float> cache = randomVector(size_t(T * cRow), 22);
        std::vector<float> kv(size_t(T * kvRows));
        for (std::int64_t t = 0; t < T; ++t)
            matmul(pool, cache.data() + t * cRow, 1, kvB.matrix, kv.data() + t * kvRows);
        std::vector<double> ref(size_t(s.nQuery * s.nHeads * s.vDim));
        for (std::int64_t i = 0; i < s.nQuery; ++i)
            for (std::int64_t h = 0; h < s.nHeads; ++h) {
                const std::int64_t vis = start + i + 1;
                std::vector<double> p(static_cast<std::size_t>(vis));
                double mx = -1e300, sum = 0;
                for (std::int64_t t = 0; t < vis; ++t) {
                    double d = 0;
                    for (std::int64_t j = 0; j < s.nopeDim; ++j)
                        d += q[size_t((i * s.nHeads + h) * qk + j)] * kv[size_t(t * kvRows + h * (s.nopeDim + s.vDim) + j)];
                    for (std::int64_t j = 0; j < s.ropeDim; ++j)
                        d += q[size_t((i * s.nHeads + h) * qk + s.nopeDim + j)] * cache[size_t(t * cRow + s.kvLoraRank + j)];
                    p[size_t(t)] = d * s.scale;
                    mx = std::max(mx, p[size_t(t)]);
                }
                for (double& v : p)
                    sum += (v = std::exp(v - mx));
                for (std::int64_t c = 0; c < s.vDim; ++c) {
                    double o = 0;
                    for (std::int64_t t = 0; t < vis; ++t)
                        o += p[size_t(t)] / sum * kv[size_t(t * kvRows + h * (s.nopeDim + s.vDim) + s.nopeDim + c)];
                    ref[size_t((i * s.nHeads + h) * s.vDim + c)] = o;
                }
            }
        std::vector<float> expanded(ref.size(), std::nanf("")), absorbed(ref.size(), std::nanf(""));
        mlaAttentionExpanded(pool, s, q.data(), kv.data(), cache.data(), expanded.data());
        mlaAttentionAbsorbed(pool, s, q.data(), kvB.matrix, cache.data(), absorbed.data());
        EXPECT_LT(relL2(expanded, ref), 1e-5) << start;
        EXPECT_LT(relL2(absorbed, ref), 1e-5) << start;
    }
}

TEST(CpuOps, threadPoolCoversRangeOnceAndPropagatesErrors)
{
    ThreadPool pool(4);
    std::vector<int> hits(1000, 0);
    pool.parallelFor(1000, [&](std::int64_t b, std::int64_t e, int slot) {
        EXPECT_GE(slot, 0);
        EXPECT_LT(slot, 4);
        for (std::int64_t i = b; i < e; ++i)
            ++hits[size_t(i)];
    }, 7);
    for (int h : hits)
        ASSERT_EQ(h, 1);
    EXPECT_THROW(pool.parallelFor(100, [](std::int64_t b, std::int64_t, int) {
        if (b == 50)
            throw std::runtime_error("chunk failed");
    }, 1), std::runtime_error);
}

// Issue 18: --threads 100000 started ~32,000 threads and exhausted the process limit.
TEST(ThreadPool, clampsThreadCountToTheHardwareAndTheDocumentedMaximum)
{
    const int hardware = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const int limit = std::min(hardware, kMaxCpuThreads);
    EXPECT_EQ(hardwareThreadLimit(), limit);
    EXPECT_EQ(effectiveThreadCount(0), limit);
    EXPECT_EQ(effectiveThreadCount(-5), limit);
    EXPECT_EQ(effectiveThreadCount(1), 1);
    EXPECT_EQ(effectiveThreadCount(100000), limit);
    ThreadPool pool(100000);
    EXPECT_EQ(pool.size(), limit);
    std::atomic<std::int64_t> sum{0};
    pool.parallelFor(1000, [&](std::int64_t b, std::int64_t e, int) { sum += e - b; });
    EXPECT_EQ(sum.load(), 1000);
}
