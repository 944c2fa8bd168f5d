// Sampler: seeded reproducibility and the effect of each parameter, measured over many draws.
#include "inference/sampling/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

using namespace fathom::inference;

namespace {

// Frequencies of each token over `draws` samples from logits `l` with `p`.
std::map<std::int32_t, double> frequencies(const SamplingParams& p, const std::vector<float>& l, int draws = 4000)
{
    Sampler s(p);
    std::map<std::int32_t, double> f;
    for (int i = 0; i < draws; ++i)
        f[s.sample(l.data(), std::int64_t(l.size()), {})] += 1.0 / draws;
    return f;
}

SamplingParams params(float temperature)
{
    SamplingParams p;
    p.temperature = temperature;
    p.seed = 7;
    return p;
}

// Probabilities 0.6, 0.3, 0.1 at temperature 1.
const std::vector<float> kLogits = {std::log(0.6f), std::log(0.3f), std::log(0.1f)};

}  // namespace

TEST(Sampler, sameSeedGivesSameTokensAndOtherSeedDiffers)
{
    std::vector<float> l(50);
    for (std::size_t i = 0; i < l.size(); ++i)
        l[i] = std::sin(float(i)) * 2;
    SamplingParams p = params(1.0f);
    auto run = [&](std::uint64_t seed) {
        p.seed = seed;
        Sampler s(p);
        std::vector<std::int32_t> out;
        for (int i = 0; i < 64; ++i)
            out.push_back(s.sample(l.data(), 50, out));
        return out;
    };
    EXPECT_EQ(run(123), run(123));
    EXPECT_NE(run(123), run(124));
}

TEST(Sampler, temperatureZeroIsArgmax)
{
    Sampler s(params(0.0f));
    const std::vector<float> l = {0.1f, 3.0f, -1.0f, 2.9f};
    for (int i = 0; i < 20; ++i)
        EXPECT_EQ(s.sample(l.data(), 4, {}), 1);
}

TEST(Sampler, temperatureSharpensAndFlattens)
{
    auto f1 = frequencies(params(1.0f), kLogits);
    EXPECT_NEAR(f1[0], 0.6, 0.03);
    EXPECT_NEAR(f1[1], 0.3, 0.03);
    EXPECT_NEAR(f1[2], 0.1, 0.02);
    // T = 0.5 squares the probabilities: 0.36 : 0.09 : 0.01 -> 0.783, 0.196, 0.022.
    auto fCold = frequencies(params(0.5f), kLogits);
    EXPECT_NEAR(fCold[0], 0.783, 0.03);
    EXPECT_NEAR(fCold[2], 0.022, 0.01);
    auto fHot = frequencies(params(10.0f), kLogits);
    EXPECT_GT(fHot[2], 0.25);
}

TEST(Sampler, topKKeepsOnlyTheKBest)
{
    SamplingParams p = params(1.0f);
    p.topK = 2;
    auto f = frequencies(p, kLogits);
    EXPECT_EQ(f.count(2), 0u);
    EXPECT_NEAR(f[0], 0.6 / 0.9, 0.03);
    p.topK = 1;
    EXPECT_NEAR(frequencies(p, kLogits, 200)[0], 1.0, 1e-9);
}

TEST(Sampler, topPKeepsSmallestSetReachingMass)
{
    SamplingParams p = params(1.0f);
    p.topP = 0.5f;  // 0.6 alone reaches it
    EXPECT_NEAR(frequencies(p, kLogits, 300)[0], 1.0, 1e-9);
    p.topP = 0.8f;  // needs 0.6 + 0.3
    auto f = frequencies(p, kLogits);
    EXPECT_EQ(f.count(2), 0u);
    EXPECT_NEAR(f[1], 1.0 / 3, 0.03);
}

TEST(Sampler, minPDropsTokensBelowFractionOfBest)
{
    SamplingParams p = params(1.0f);
    p.minP = 0.4f;  // floor 0.24: keeps 0.6 and 0.3
    auto f = frequencies(p, kLogits);
    EXPECT_EQ(f.count(2), 0u);
    EXPECT_NEAR(f[1], 1.0 / 3, 0.03);
    p.minP = 0.6f;  // floor 0.36: only the best
    EXPECT_NEAR(frequencies(p, kLogits, 300)[0], 1.0, 1e-9);
}

TEST(Sampler, repetitionPenaltyDemotesSeenTokens)
{
    SamplingParams p = params(0.0f);
    p.repetitionPenalty = 1.5f;
    Sampler s(p);
    const std::vector<float> pos = {2.0f, 1.9f, 0.0f};
    EXPECT_EQ(s.sample(pos.data(), 3, {}), 0);
    EXPECT_EQ(s.sample(pos.data(), 3, {0, 0}), 1);  // 2.0 / 1.5 < 1.9
    const std::vector<float> neg = {-1.0f, -1.2f, -5.0f};
    EXPECT_EQ(s.sample(neg.data(), 3, {0}), 1);  // -1.0 × 1.5 < -1.2
}
