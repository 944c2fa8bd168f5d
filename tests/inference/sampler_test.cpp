// Sampler: seeded reproducibility and the effect of each parameter, measured over many draws.
#include "inference/sampling/sampler.h"

#include "base/philox.h"

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
        f[s.sample(l.data(), std::int64_t(l.size()), {}, std::uint64_t(i))] += 1.0 / draws;
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
            out.push_back(s.sample(l.data(), 50, out, std::uint64_t(i)));
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
        EXPECT_EQ(s.sample(l.data(), 4, {}, std::uint64_t(i)), 1);
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
    const std::vector<std::int32_t> none, twice = {0, 0}, once = {0};
    EXPECT_EQ(s.sample(pos.data(), 3, none, 0), 0);
    EXPECT_EQ(s.sample(pos.data(), 3, twice, 0), 1);  // 2.0 / 1.5 < 1.9
    const std::vector<float> neg = {-1.0f, -1.2f, -5.0f};
    EXPECT_EQ(s.sample(neg.data(), 3, once, 0), 1);  // -1.0 × 1.5 < -1.2
}

TEST(Sampler, presencePenaltyCountsOnceAndFrequencyPerOccurrence)
{
    SamplingParams p = params(0.0f);
    const std::vector<float> l = {2.0f, 1.5f, 0.0f};
    const std::vector<std::int32_t> recent = {0, 0, 0};
    p.presencePenalty = 0.4f;  // 2.0 - 0.4 = 1.6 > 1.5: still 0
    EXPECT_EQ(Sampler(p).sample(l.data(), 3, recent, 0), 0);
    p.presencePenalty = 0.0f;
    p.frequencyPenalty = 0.2f;  // 2.0 - 3 × 0.2 = 1.4 < 1.5
    EXPECT_EQ(Sampler(p).sample(l.data(), 3, recent, 0), 1);
}

TEST(Sampler, drawIsAPureFunctionOfItsNumber)
{
    std::vector<float> l(1000);
    for (std::size_t i = 0; i < l.size(); ++i)
        l[i] = std::cos(float(i) * 0.37f) * 3;
    SamplingParams p = params(1.0f);
    p.topP = 0.9f;
    p.topK = 100;
    Sampler a(p), b(p);
    int changed = 0;
    const std::int32_t first = a.sample(l.data(), 1000, {}, 5);
    for (std::uint64_t d = 0; d < 40; ++d)
        changed += b.sample(l.data(), 1000, {}, d) != first;
    EXPECT_EQ(a.sample(l.data(), 1000, {}, 5), first);  // no state between calls
    EXPECT_GT(changed, 20);                             // other draw numbers pick other tokens
}

TEST(Sampler, tiesAtTheTopKBoundaryAreAllKept)
{
    SamplingParams p = params(1.0f);
    p.topK = 2;
    const std::vector<float> l = {1.0f, 0.5f, 0.5f, -3.0f};  // the 2nd and 3rd tie: both stay
    auto f = frequencies(p, l);
    EXPECT_GT(f[2], 0.1);
    EXPECT_EQ(f.count(3), 0u);
}

TEST(Sampler, nonFiniteLogitsGiveMinusOne)
{
    const std::vector<float> l = {1.0f, std::nanf(""), 0.0f};
    EXPECT_EQ(Sampler(params(0.0f)).sample(l.data(), 3, {}, 0), -1);
    const std::vector<float> inf = {1.0f, INFINITY, 0.0f};
    EXPECT_EQ(Sampler(params(1.0f)).sample(inf.data(), 3, {}, 0), -1);
}

TEST(Sampler, topKThenTopPKeepTheSmallestBestFirstSet)
{
    // top-3 keeps ids 4, 0, 1 (probs .665, .245, .090); top-p .8 then keeps 4 and 0.
    const std::vector<float> l{2, 1, 0, -1, 3, 0.5f};
    SamplingParams p = params(1.0f);
    p.topK = 3;
    p.topP = 0.8f;
    auto f = frequencies(p, l);
    const double z = std::exp(3.0) + std::exp(2.0);
    EXPECT_NEAR(f[4], std::exp(3.0) / z, 0.03);
    EXPECT_NEAR(f[0], std::exp(2.0) / z, 0.03);
    EXPECT_EQ(f.count(1) + f.count(2) + f.count(3) + f.count(5), 0u);
}

TEST(Sampler, philoxMatchesRandom123KnownAnswer)
{
    // Random123 kat_vectors: philox4x32-10, counter 0 and key 0 -> first word 0x6627e8d5.
    EXPECT_EQ(fathom::philox32(0, 0, 0), 0x6627e8d5u);
}
