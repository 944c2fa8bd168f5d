// CPU checks of the kmoe twins against hand-computed cases: the GPU table trusts the twins, so the
// routing rules (DeepSeek V2 / V3), SwiGLU are pinned here (the sampling rule is pinned in tests/inference/sampler_test.cpp).
// Runs without a GPU (no label): only built when the kernels are.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/twins/mla_decode_generic_twin.h"
#include "kernels/twins/moe_expert_decode_twin.h"
#include "kernels/twins/moe_route_twin.h"
#include "kernels/twins/swiglu_twin.h"

namespace tw = fathom::kernels::twins;

namespace {

std::vector<double> softmax(const std::vector<float>& l)
{
    double z = 0;
    std::vector<double> p(l.size());
    for (size_t i = 0; i < l.size(); ++i) z += p[i] = std::exp(static_cast<double>(l[i]));
    for (double& v : p) v /= z;
    return p;
}

float logit(double s) { return static_cast<float>(std::log(s / (1.0 - s))); }

}  // namespace

TEST(KernelTwins, greedyRoutingPicksTopSoftmaxScoresScaledWhenNotNormalized)
{
    const std::vector<float> l{1, 3, 2, 0};
    const auto p = softmax(l);
    tw::RouteTwinConfig c{4, 2, 1, 1, 0, 0, false, 16.0f};
    int ids[2];
    float w[2];
    tw::moeRouteFromLogitsTwin(l.data(), nullptr, 1, c, ids, w);
    EXPECT_EQ(ids[0], 1);
    EXPECT_EQ(ids[1], 2);
    EXPECT_NEAR(w[0], 16.0 * p[1], 1e-5);
    EXPECT_NEAR(w[1], 16.0 * p[2], 1e-5);
}

TEST(KernelTwins, v2NormalizedWeightsAreNotScaled)
{
    const std::vector<float> l{1, 3, 2, 0};
    const auto p = softmax(l);
    tw::RouteTwinConfig c{4, 2, 1, 1, 0, 0, true, 16.0f};
    int ids[2];
    float w[2];
    tw::moeRouteFromLogitsTwin(l.data(), nullptr, 1, c, ids, w);
    EXPECT_NEAR(w[0], p[1] / (p[1] + p[2]), 1e-6);
    EXPECT_NEAR(w[1], p[2] / (p[1] + p[2]), 1e-6);
}

TEST(KernelTwins, groupLimitedGreedyKeepsGroupsByTheirBestExpert)
{
    // Groups of 2: maxima 5, 4.9, 0, 4.95 -> groups 0 and 3 kept, so expert 2 (4.9) loses to 7 (4.8).
    const std::vector<float> l{5, 0, 4.9f, 0, 0, 0, 4.95f, 4.8f};
    const auto p = softmax(l);
    tw::RouteTwinConfig c{8, 3, 4, 2, 1, 0, false, 2.0f};
    int ids[3];
    float w[3];
    tw::moeRouteFromLogitsTwin(l.data(), nullptr, 1, c, ids, w);
    EXPECT_EQ(ids[0], 0);
    EXPECT_EQ(ids[1], 6);
    EXPECT_EQ(ids[2], 7);
    EXPECT_NEAR(w[2], 2.0 * p[7], 1e-6);  // softmax over all experts, not renormalized
}

TEST(KernelTwins, noauxTcScoresGroupsBySumOfTopTwoAndUsesBiasOnlyToChoose)
{
    // Sigmoid scores per group of 2: {.9,.1} sum 1.0, {.7,.68} sum 1.38, {.2,.2}, {.8,.05} sum .85.
    // Sum-of-top-2 keeps groups 1 and 0 (a max rule would keep 0 and 3 and pick expert 6).
    const std::vector<double> s{0.9, 0.1, 0.7, 0.68, 0.2, 0.2, 0.8, 0.05};
    std::vector<float> l;
    for (double v : s) l.push_back(logit(v));
    std::vector<float> bias(8, 0.f);
    bias[3] = 0.1f;  // .78 beats .7 for choosing; its weight stays .68
    tw::RouteTwinConfig c{8, 2, 4, 2, 2, 1, true, 2.5f};
    int ids[2];
    float w[2];
    tw::moeRouteFromLogitsTwin(l.data(), bias.data(), 1, c, ids, w);
    EXPECT_EQ(ids[0], 0);
    EXPECT_EQ(ids[1], 3);
    EXPECT_NEAR(w[0], 2.5 * 0.9 / 1.58, 1e-5);
    EXPECT_NEAR(w[1], 2.5 * 0.68 / 1.58, 1e-5);
}

TEST(KernelTwins, expertTwinReadsInterleavedGateUpRows)
{
    // hidden 1, inter 64: gate row i sits at w13 row (i/64)*128 + i%64, up row 64 further.
    const int inter = 64;
    std::vector<float> w13(2 * inter, 0.f), w2(inter, 0.f);
    w13[5] = 2.0f;        // gate row 5
    w13[64 + 5] = 3.0f;   // up row 5
    w2[5] = 0.5f;         // down [hidden=1, inter]
    const float x = 1.0f;
    float out = 0.f;
    tw::moeExpertDecodeTwin(&x, w13.data(), w2.data(), nullptr, nullptr, 1, inter, 0, 0, 1, &out);
    EXPECT_NEAR(out, 0.5 * (2.0 / (1.0 + std::exp(-2.0))) * 3.0, 1e-6);
}

TEST(KernelTwins, swigluIsSiluOfGateTimesUp)
{
    const std::vector<float> in{-1.0f, 2.0f, 3.0f, 0.5f};  // gate {-1, 2}, up {3, .5}
    float out[2];
    tw::swigluTwin(in.data(), 1, 2, out);
    EXPECT_NEAR(out[0], -1.0 / (1.0 + std::exp(1.0)) * 3.0, 1e-6);
    EXPECT_NEAR(out[1], 2.0 / (1.0 + std::exp(-2.0)) * 0.5, 1e-6);
}


// kfix: the generic MLA decode twin on cases with known answers.
TEST(KernelTwins, mlaDecodeGenericOverOneTokenReturnsItsLatent)
{
    const int rank = 8, rope = 4;
    std::vector<float> lat{1, -2, 3, 4, 0.5f, 6, 7, -8, 9, 10, 11, 12};  // one row [rank + rope]
    std::vector<float> qAbs(2 * rank, 0.3f), qPe(2 * rope, -1.f), cos(2, 1.f), sin(2, 0.f), out(2 * rank, 0.f);
    fathom::kernels::mlaDecodeGenericTwin(qAbs.data(), qPe.data(), 2, rank, rope, 0, cos.data(), sin.data(), lat.data(),
                                          0.25f, out.data());
    for (int h = 0; h < 2; ++h)
        for (int c = 0; c < rank; ++c)
            EXPECT_FLOAT_EQ(out[h * rank + c], lat[c]);
}

TEST(KernelTwins, mlaDecodeGenericWeighsTokensBySoftmaxOfRopedScores)
{
    // rank 2, rope 2, positions 0..1; the rope at pos 1 is a 90 degree turn: q_pe (1, 0) -> (0, 1).
    const int rank = 2, rope = 2;
    std::vector<float> lat{1, 0, 0, 0,    // token 0: latent (1, 0), k_pe (0, 0)
                           0, 1, 0, 2};   // token 1: latent (0, 1), k_pe (0, 2)
    std::vector<float> qAbs{0, 0}, qPe{1, 0}, cos{1, 0}, sin{0, 1}, out(2);
    fathom::kernels::mlaDecodeGenericTwin(qAbs.data(), qPe.data(), 1, rank, rope, 1, cos.data(), sin.data(), lat.data(),
                                          0.5f, out.data());
    // Scores: token 0 -> 0, token 1 -> 0.5 * (0*0 + 1*2) = 1.
    const double w1 = std::exp(1.0) / (1.0 + std::exp(1.0));
    EXPECT_NEAR(out[0], 1 - w1, 1e-6);
    EXPECT_NEAR(out[1], w1, 1e-6);
}
