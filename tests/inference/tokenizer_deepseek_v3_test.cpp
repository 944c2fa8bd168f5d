// The real DeepSeek-V3 tokenizer (fetched by tools/fetch-test-data.sh): loading, pieces of the real
// vocab, round trips, streaming, and HF's goldens (tests/data/tokenizer/golden_deepseek_v3.json)
// for ids and chat renders once the lead has generated them.
#include "tests/inference/tokenizer_test_support.h"

#include "inference/prompt/chat_format.h"
#include "inference/prompt/chat_prompt.h"
#include "inference/prompt/format_detect.h"
#include "inference/tokenizer/stream_decoder.h"
#include "inference/tokenizer/utf8.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

using fathom::inference::StreamDecoder;
using fathom::inference::Tokenizer;
using namespace fathom::test;

namespace {

using Ids = std::vector<std::int32_t>;
using Strings = std::vector<std::string>;

const std::string kGolden = std::string(FATHOM_TEST_DATA) + "/tokenizer/golden_deepseek_v3.json";

const Tokenizer& realTokenizer(const std::string& dir)
{
    static std::unique_ptr<Tokenizer> tok = Tokenizer::load(dir);  // 0.5 s to load: share it
    return *tok;
}

}  // namespace

TEST(TokenizerDeepseekV3, loadsRealFileWithItsSpecialTokens)
{
    FATHOM_REQUIRE_DEEPSEEK_V3(dir);
    const Tokenizer& tok = realTokenizer(dir);
    EXPECT_EQ(tok.addedTokens().tokens().size(), 818u);
    EXPECT_EQ(tok.bosId(), 0);
    EXPECT_EQ(tok.eosId(), 1);
    EXPECT_TRUE(tok.addBosToken());
    EXPECT_EQ(tok.idLimit(), 128815);
    EXPECT_EQ(tok.model().mergeCount(), 127741u);
    EXPECT_EQ(tok.tokenId("<｜User｜>"), 128803);
    EXPECT_EQ(tok.tokenId("<｜fim▁begin｜>"), 128801);
    EXPECT_TRUE(tok.isSpecial(0));
    EXPECT_FALSE(tok.isSpecial(128803));  // <｜User｜> is an added token but not "special"
    EXPECT_TRUE(tok.preTokenizer().allJit());
}

TEST(TokenizerDeepseekV3, encodesKnownPiecesOfRealVocab)
{
    FATHOM_REQUIRE_DEEPSEEK_V3(dir);
    const Tokenizer& tok = realTokenizer(dir);
    // Pieces checked by hand against the vocab; ids agree with transformers.js on the same file.
    EXPECT_EQ(tokenTexts(tok, tok.encode("Hello world!")), (Strings{"Hello", "Ġworld", "!"}));
    EXPECT_EQ(tok.encode("Hello world!"), (Ids{19923, 2058, 3}));
    // Numbers go in groups of at most three digits.
    EXPECT_EQ(tokenTexts(tok, tok.encode("1234567 digits")), (Strings{"123", "456", "7", "Ġdigits"}));
    // CJK runs are split off before BPE; "你好" is one token.
    EXPECT_EQ(tok.encode("你好，世界。"), (Ids{30594, 303, 3427, 320}));
    EXPECT_EQ(tok.encode("  def f(x):\n\treturn x"), (Ids{223, 1351, 285, 4042, 3395, 5562, 1527}));
    EXPECT_EQ(tok.encode("naïve café 👍🏽"), (Ids{2720, 91223, 57664, 102527, 40965, 124}));
    EXPECT_EQ(tok.encode("<｜User｜>hi<｜Assistant｜>"), (Ids{128803, 6366, 128804}));
    EXPECT_EQ(tok.encode(std::string(40, 'x')), (Ids{89450, 89450, 89450, 89450, 89450}));
    EXPECT_EQ(tokenTexts(tok, tok.encode("if (a<b) {\r\n}")), (Strings{"if", "Ġ(", "a", "<b", ")", "Ġ{", "č", "Ċ", "}"}));
}

TEST(TokenizerDeepseekV3, roundTripsMixedText)
{
    FATHOM_REQUIRE_DEEPSEEK_V3(dir);
    const Tokenizer& tok = realTokenizer(dir);
    const std::string texts[] = {
        "int main() {\r\n\treturn 0;\r\n}\r\n", "def f(x):\n    return {'k': [1, 2.5e-3]}\n",
        "👩‍👩‍👧‍👦 family, 🇯🇵 flag, é vs é (combining)", "中文、日本語のテキスト、한국어 텍스트",
        "      \n\n\t\t   ", "<｜begin▁of▁sentence｜>text<｜end▁of▁sentence｜>", "x" + std::string(5000, ' ') + "y",
    };
    for (const std::string& t : texts) {
        const Ids ids = tok.encode(t);
        EXPECT_EQ(tok.decode(ids), t);
        StreamDecoder stream(tok);
        std::string streamed;
        for (std::int32_t id : ids) {
            const std::string piece = stream.push(id);
            // Every emitted piece is whole characters.
            EXPECT_EQ(fathom::inference::utf8::firstInvalid(piece), std::string::npos);
            streamed += piece;
        }
        streamed += stream.flush();
        EXPECT_EQ(streamed, t);
    }
}

TEST(TokenizerDeepseekV3, roundTripsRandomUnicode)
{
    FATHOM_REQUIRE_DEEPSEEK_V3(dir);
    const Tokenizer& tok = realTokenizer(dir);
    // Code points drawn from ranges that exercise every pre-tokenizer branch.
    const std::pair<std::uint32_t, std::uint32_t> ranges[] = {
        {0x20, 0x7E}, {0x09, 0x0D}, {0x00, 0x08}, {0xA0, 0x24F}, {0x300, 0x36F}, {0x3040, 0x30FF},
        {0x4E00, 0x9FA5}, {0xAC00, 0xD7A3}, {0x2000, 0x206F}, {0x1F300, 0x1FAFF}, {0xFE00, 0xFE0F}, {0x10000, 0x10FFFF}};
    std::mt19937 rng(11);
    for (int round = 0; round < 300; ++round) {
        std::string text;
        const int n = static_cast<int>(rng() % 120);
        for (int i = 0; i < n; ++i) {
            const auto& [lo, hi] = ranges[rng() % std::size(ranges)];
            std::uint32_t cp = lo + rng() % (hi - lo + 1);
            if (cp >= 0xD800 && cp <= 0xDFFF)
                cp = 'x';
            fathom::inference::utf8::append(text, cp);
        }
        const Ids ids = tok.encode(text);
        ASSERT_EQ(tok.decode(ids), text) << "round " << round;
        StreamDecoder stream(tok);
        std::string streamed;
        for (std::int32_t id : ids)
            streamed += stream.push(id);
        ASSERT_EQ(streamed + stream.flush(), text) << "round " << round;
    }
}

TEST(TokenizerDeepseekV3, encodesTheSameFromSeveralThreads)
{
    FATHOM_REQUIRE_DEEPSEEK_V3(dir);
    const Tokenizer& tok = realTokenizer(dir);
    std::vector<std::string> texts;
    for (int i = 0; i < 200; ++i)
        texts.push_back("item " + std::to_string(i * 7919) + ": 数据 café\tvalue = f(x_" + std::to_string(i) + ");\n");
    std::vector<Ids> expected;
    for (const auto& t : texts)
        expected.push_back(tok.encode(t));
    tok.clearCache();
    std::atomic<int> mismatches{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int rep = 0; rep < 20; ++rep)
                for (std::size_t i = (t * 13) % texts.size(), k = 0; k < texts.size(); ++k, i = (i + 1) % texts.size())
                    if (tok.encode(texts[i]) != expected[i])
                        ++mismatches;
        });
    for (auto& th : threads)
        th.join();
    EXPECT_EQ(mismatches.load(), 0);
}

TEST(TokenizerDeepseekV3, autoPicksV3FormatFromRealTemplate)
{
    FATHOM_REQUIRE_DEEPSEEK_V3(dir);
    const auto d = fathom::inference::detectChatFormat(dir);
    EXPECT_EQ(fathom::inference::chatFormatName(d.format), "deepseek-v3");
    EXPECT_NE(d.reason.find("chat_template"), std::string::npos);
    EXPECT_EQ(d.format.bos, "<｜begin▁of▁sentence｜>");
}

TEST(TokenizerDeepseekV3, matchesHuggingFaceGoldenIds)
{
    FATHOM_REQUIRE_DEEPSEEK_V3(dir);
    if (!std::filesystem::exists(kGolden))
        GTEST_SKIP() << kGolden << " is not generated yet (the lead makes it with HF tokenizers on the GPU machine)";
    const Tokenizer& tok = realTokenizer(dir);
    const nlohmann::json golden = nlohmann::json::parse(std::ifstream(kGolden));
    ASSERT_FALSE(golden["texts"].empty());
    for (const auto& item : golden["texts"]) {
        const std::string text = item["text"];
        const Ids expected = item["ids"].get<Ids>();
        EXPECT_EQ(tok.encode(text), expected) << "text: " << nlohmann::json(text).dump();
        EXPECT_EQ(tok.decode(expected), item.value("decoded", text)) << "ids of: " << nlohmann::json(text).dump();
    }
}

TEST(TokenizerDeepseekV3, matchesHuggingFaceChatRenders)
{
    FATHOM_REQUIRE_DEEPSEEK_V3(dir);
    if (!std::filesystem::exists(kGolden))
        GTEST_SKIP() << kGolden << " is not generated yet (the lead makes it with HF apply_chat_template)";
    const auto format = fathom::inference::detectChatFormat(dir).format;
    const Tokenizer& tok = realTokenizer(dir);
    const nlohmann::json golden = nlohmann::json::parse(std::ifstream(kGolden));
    ASSERT_FALSE(golden["chats"].empty());
    for (const auto& chat : golden["chats"]) {
        const auto messages = fathom::inference::parseChatMessages(chat["messages"], "golden chat");
        const bool addGen = chat["add_generation_prompt"].get<bool>();
        const std::string rendered = chat["rendered"].get<std::string>();
        EXPECT_EQ(fathom::inference::renderChat(format, messages, addGen), rendered) << chat["messages"].dump();
        // The engine's ids for it equal HF's tokenizer(rendered, add_special_tokens=False).
        EXPECT_EQ(fathom::inference::encodeChatPrompt(tok, format, messages, addGen), tok.encode(rendered));
    }
}
