// Long tokenizer checks (ctest -L long): docs/RELIABILITY.md case 12 at full size for every kind of
// 10 MB run and 2^20 newlines, on the hand-made tokenizer and on the real DeepSeek-V3 vocab.
#include "tests/inference/tokenizer_test_support.h"

#include <gtest/gtest.h>

#include <ctime>

using fathom::inference::Tokenizer;
using namespace fathom::test;

namespace {

double cpuSeconds()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void expectBoundedRoundTrip(const Tokenizer& tok, const std::string& text, const std::string& what)
{
    const double t = cpuSeconds();
    const auto ids = tok.encode(text);
    const double seconds = cpuSeconds() - t;
    EXPECT_LT(seconds, 30.0) << what;
    EXPECT_FALSE(ids.empty()) << what;
    EXPECT_EQ(tok.decode(ids) == text, true) << what;
    std::printf("%-40s %8zu ids  %6.2f s CPU\n", what.c_str(), ids.size(), seconds);
}

std::string repeatTo(const std::string& unit, std::size_t bytes)
{
    std::string s;
    s.reserve(bytes + unit.size());
    while (s.size() < bytes)
        s += unit;
    return s;
}

void runAll(const Tokenizer& tok, const std::string& name)
{
    for (const std::string unit : {"a", " ", "中", "1", "\t", "é", "😀", "-"})
        expectBoundedRoundTrip(tok, repeatTo(unit, 10u << 20), name + ": 10 MB of '" + unit + "'");
    expectBoundedRoundTrip(tok, std::string(1u << 20, '\n'), name + ": 2^20 newlines");
    expectBoundedRoundTrip(tok, repeatTo(" \n", 2u << 20), name + ": 2 MB of space-newline");
}

}  // namespace

TEST(TokenizerLong, boundsHostileTextOnTinyTokenizer)
{
    runAll(*Tokenizer::load(tinyV2Dir()), "tiny-v2");
}

TEST(TokenizerLong, boundsHostileTextOnRealVocab)
{
    FATHOM_REQUIRE_DEEPSEEK_V3(dir);
    runAll(*Tokenizer::load(dir), "deepseek-v3");
}
