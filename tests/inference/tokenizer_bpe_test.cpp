// Byte-level BPE on hand-made tokenizer.json files (the tiny-v2 folder and edited copies of it):
// merge order, both merge forms, ignore_merges, DeepSeek-V2 pre-tokenizer splits, Split
// behaviours, added tokens, decode and the streaming decoder.
#include "tests/inference/tokenizer_test_support.h"

#include "inference/tokenizer/stream_decoder.h"

#include <gtest/gtest.h>

#include <random>

using fathom::inference::Span;
using fathom::inference::StreamDecoder;
using fathom::inference::Tokenizer;
using namespace fathom::test;

namespace {

using Strings = std::vector<std::string>;

// tiny-v2 with its merges replaced (byte-level token texts); merged tokens join the vocab.
nlohmann::json withMerges(const std::vector<std::pair<std::string, std::string>>& merges, bool asStrings)
{
    nlohmann::json doc = tinyV2Json();
    auto& vocab = doc["model"]["vocab"];
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [a, b] : merges) {
        if (!vocab.contains(a + b))
            vocab[a + b] = 400 + static_cast<int>(list.size());
        if (asStrings)
            list.push_back(a + " " + b);
        else
            list.push_back({a, b});
    }
    doc["model"]["merges"] = list;
    return doc;
}

Strings pieces(const Tokenizer& tok, const std::string& text)
{
    std::vector<Span> spans;
    tok.preTokenizer().split(text, {0, text.size()}, spans);
    Strings out;
    for (const Span& s : spans)
        out.push_back(text.substr(s.begin, s.end - s.begin));
    return out;
}

std::unique_ptr<Tokenizer> tiny() { return Tokenizer::load(tinyV2Dir()); }

}  // namespace

TEST(TokenizerBpe, mergesInRankOrder)
{
    auto tok = tiny();
    EXPECT_EQ(tokenTexts(*tok, tok->encode("hello")), (Strings{"hello"}));
    EXPECT_EQ(tokenTexts(*tok, tok->encode("hell")), (Strings{"hell"}));
    EXPECT_EQ(tokenTexts(*tok, tok->encode("helo")), (Strings{"he", "l", "o"}));
    EXPECT_EQ(tokenTexts(*tok, tok->encode(" world")), (Strings{"Ġworld"}));
}

TEST(TokenizerBpe, lowerRankWinsBetweenOverlappingPairs)
{
    auto bcFirst = Tokenizer::fromJson(withMerges({{"b", "c"}, {"a", "b"}}, true).dump(), "t.json");
    EXPECT_EQ(tokenTexts(*bcFirst, bcFirst->encode("abc")), (Strings{"a", "bc"}));
    auto abFirst = Tokenizer::fromJson(withMerges({{"a", "b"}, {"b", "c"}}, true).dump(), "t.json");
    EXPECT_EQ(tokenTexts(*abFirst, abFirst->encode("abc")), (Strings{"ab", "c"}));
    // Same rank, leftmost first: "aaa" -> "aa" + "a".
    auto aa = Tokenizer::fromJson(withMerges({{"a", "a"}}, true).dump(), "t.json");
    EXPECT_EQ(tokenTexts(*aa, aa->encode("aaa")), (Strings{"aa", "a"}));
    EXPECT_EQ(tokenTexts(*aa, aa->encode("aaaa")), (Strings{"aa", "aa"}));
}

TEST(TokenizerBpe, stringAndPairMergeFormsAgree)
{
    const std::vector<std::pair<std::string, std::string>> merges = {{"c", "o"}, {"co", "d"}, {"cod", "e"}, {"Ġ", "x"}};
    auto s = Tokenizer::fromJson(withMerges(merges, true).dump(), "strings.json");
    auto p = Tokenizer::fromJson(withMerges(merges, false).dump(), "pairs.json");
    const std::string text = "code codex x xcode";
    EXPECT_EQ(s->encode(text), p->encode(text));
    EXPECT_EQ(tokenTexts(*s, s->encode("code")), (Strings{"code"}));
}

TEST(TokenizerBpe, ignoreMergesTakesWholeVocabTokens)
{
    nlohmann::json doc = tinyV2Json();
    doc["model"]["vocab"]["xyz"] = 399;  // in the vocab but no merge builds it
    auto plain = Tokenizer::fromJson(doc.dump(), "t.json");
    EXPECT_EQ(tokenTexts(*plain, plain->encode("xyz")), (Strings{"x", "y", "z"}));
    doc["model"]["ignore_merges"] = true;
    auto whole = Tokenizer::fromJson(doc.dump(), "t.json");
    EXPECT_EQ(tokenTexts(*whole, whole->encode("xyz")), (Strings{"xyz"}));
    EXPECT_EQ(tokenTexts(*whole, whole->encode("hello")), (Strings{"hello"}));
}

TEST(TokenizerBpe, deepseekV2PreTokenizerSplitsLikeHuggingFace)
{
    auto tok = tiny();
    // Worked out by hand from the six V2 patterns applied in order (each Isolated). The em dash
    // is caught by the "CJK" pattern, whose range ࠀ-一 (U+0800..U+4E00) covers it.
    EXPECT_EQ(pieces(*tok, "Hello, World! (x+y)*2 — ok?\r\n  indented\tline  "),
              (Strings{"Hello", ",", " World", "!", " (", "x", "+", "y", ")*", "2", " ", "—", " ok", "?", "\r", "\n", " ",
                       " indented", "\tline", "  "}));
    EXPECT_EQ(pieces(*tok, "中文 and 한국어 42"), (Strings{"中文", " and", " ", "한국어", " ", "42"}));
}

TEST(TokenizerBpe, encodesLikeReferenceImplementation)
{
    // Ids from an independent implementation (transformers.js 3.7 via @lenml/tokenizers) on tiny-v2.
    auto tok = tiny();
    EXPECT_EQ(tok->encode("hello world 123\n\n中 中<｜fim▁begin｜>"),
              (std::vector<std::int32_t>{259, 264, 32, 266, 10, 10, 268, 32, 268, 303}));
    EXPECT_EQ(tok->encode("Straße ΑΒΓ δ 4567 1.5e3 ，中文。"),
              (std::vector<std::int32_t>{83, 116, 114, 97, 195, 159, 101, 32, 206, 145, 206, 146, 206, 147, 32, 206,
                                         180, 32, 52, 53, 54, 55, 32, 49, 46, 53, 101, 51, 32, 239, 188, 140, 268,
                                         230, 150, 135, 227, 128, 130}));
    EXPECT_EQ(tok->encode("a\n\n\nb  \n"), (std::vector<std::int32_t>{97, 10, 10, 10, 98, 269, 10}));
    EXPECT_EQ(tok->encode("<|EOT|>x<｜end▁of▁sentence｜>"), (std::vector<std::int32_t>{305, 120, 301}));
}

TEST(TokenizerBpe, splitBehavioursFollowHuggingFaceDocs)
{
    // The example of HF's SplitDelimiterBehavior docs: "the-final--countdown" split on "-".
    const std::pair<const char*, Strings> cases[] = {
        {"Removed", {"the", "final", "countdown"}},
        {"Isolated", {"the", "-", "final", "-", "-", "countdown"}},
        {"MergedWithPrevious", {"the-", "final-", "-", "countdown"}},
        {"MergedWithNext", {"the", "-final", "-", "-countdown"}},
        {"Contiguous", {"the", "-", "final", "--", "countdown"}},
    };
    for (const auto& [behavior, expected] : cases) {
        nlohmann::json doc = tinyV2Json();
        doc["pre_tokenizer"] = {{"type", "Sequence"},
                                {"pretokenizers",
                                 {{{"type", "Split"}, {"pattern", {{"String", "-"}}}, {"behavior", behavior}, {"invert", false}},
                                  {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}}}};
        auto tok = Tokenizer::fromJson(doc.dump(), "t.json");
        EXPECT_EQ(pieces(*tok, "the-final--countdown"), expected) << behavior;
    }
}

TEST(TokenizerBpe, byteLevelWithRegexUsesGpt2Split)
{
    nlohmann::json doc = tinyV2Json();
    doc["pre_tokenizer"] = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}};
    auto tok = Tokenizer::fromJson(doc.dump(), "t.json");
    EXPECT_EQ(pieces(*tok, "I'm here  now"), (Strings{"I", "'m", " here", " ", " now"}));
}

TEST(TokenizerBpe, matchesAddedTokensInsideText)
{
    auto tok = tiny();
    const auto ids = tok->encode("<｜begin▁of▁sentence｜>hello<｜fim▁hole｜><|EOT|>");
    EXPECT_EQ(tokenTexts(*tok, ids), (Strings{"<｜begin▁of▁sentence｜>", "hello", "<｜fim▁hole｜>", "<|EOT|>"}));
    // Not matched when asked (user text that merely contains the marker).
    const auto literal = tok->encode("<|EOT|>", /*matchAddedTokens=*/false);
    EXPECT_EQ(tok->decode(literal), "<|EOT|>");
    EXPECT_GT(literal.size(), 1u);
}

TEST(TokenizerBpe, addedTokenMatchIsLeftmostLongest)
{
    nlohmann::json doc = tinyV2Json();
    auto add = [&](int id, const std::string& content) {
        doc["added_tokens"].push_back({{"id", id}, {"content", content}, {"special", true}, {"normalized", false}});
    };
    add(310, "<a>");
    add(311, "<a><b>");
    add(312, "a><b");
    auto tok = Tokenizer::fromJson(doc.dump(), "t.json");
    EXPECT_EQ(tokenTexts(*tok, tok->encode("x<a><b>y")), (Strings{"x", "<a><b>", "y"}));
    EXPECT_EQ(tokenTexts(*tok, tok->encode("<a>c")), (Strings{"<a>", "c"}));
}

TEST(TokenizerBpe, stripFlagsSwallowWhitespace)
{
    nlohmann::json doc = tinyV2Json();
    doc["added_tokens"].push_back({{"id", 310}, {"content", "<m>"}, {"lstrip", true}, {"rstrip", true}});
    auto tok = Tokenizer::fromJson(doc.dump(), "t.json");
    EXPECT_EQ(tokenTexts(*tok, tok->encode("a  <m>  b")), (Strings{"a", "<m>", "b"}));
}

TEST(TokenizerBpe, decodeRoundTripsAnyText)
{
    auto tok = tiny();
    const std::string texts[] = {"hello world", "tabs\tand\r\nCRLF", "中文 日本語 한국어", "emoji 👩‍💻🇫🇷",
                                 std::string("nul\0byte", 8), "   ", ""};
    for (const std::string& t : texts)
        EXPECT_EQ(tok->decode(tok->encode(t)), t);
}

TEST(TokenizerBpe, decodeSkipsSpecialTokensOnlyWhenAsked)
{
    auto tok = tiny();
    const auto ids = tok->encode("<｜begin▁of▁sentence｜>hi<｜fim▁hole｜>");
    EXPECT_EQ(tok->decode(ids), "<｜begin▁of▁sentence｜>hi<｜fim▁hole｜>");
    EXPECT_EQ(tok->decode(ids, /*skipSpecial=*/true), "hi<｜fim▁hole｜>");  // fim tokens are not special
}

TEST(TokenizerBpe, decodeRepairsBrokenUtf8AndSkipsUnknownIds)
{
    auto tok = tiny();
    // 0xE4 0xB8 (start of 中) then 'a': the cut-off character becomes one U+FFFD.
    EXPECT_EQ(tok->decode({0xE4, 0xB8, 'a'}), "\xEF\xBF\xBD" "a");
    EXPECT_EQ(tok->decode({'a', 399, 'b'}), "ab");  // 399 is in no table
}

TEST(TokenizerBpe, streamDecoderEmitsWholeCharactersOnly)
{
    auto tok = tiny();
    StreamDecoder stream(*tok);
    EXPECT_EQ(stream.push(0xE4), "");
    EXPECT_EQ(stream.push(0xB8), "");
    EXPECT_EQ(stream.pendingBytes(), 2u);
    EXPECT_EQ(stream.push(0xAD), "中");
    EXPECT_EQ(stream.push('o'), "o");
    EXPECT_EQ(stream.push(0xF0), "");
    EXPECT_EQ(stream.flush(), "\xEF\xBF\xBD");
}

TEST(TokenizerBpe, streamDecoderOutputEqualsDecodeOnRandomIds)
{
    auto tok = tiny();
    std::mt19937 rng(7);
    for (int round = 0; round < 300; ++round) {
        std::vector<std::int32_t> ids;
        const int n = 1 + static_cast<int>(rng() % 24);
        for (int i = 0; i < n; ++i) {
            const unsigned r = rng() % 10;
            // Mostly bytes >= 0x80 (to make broken and finished characters), some merges and specials.
            ids.push_back(r < 6 ? 0x80 + static_cast<int>(rng() % 128) : r < 8 ? static_cast<int>(rng() % 272) : 300 + static_cast<int>(rng() % 6));
        }
        StreamDecoder stream(*tok);
        std::string streamed;
        for (std::int32_t id : ids)
            streamed += stream.push(id);
        streamed += stream.flush();
        ASSERT_EQ(streamed, tok->decode(ids)) << "round " << round;
    }
}

TEST(TokenizerBpe, notesIgnoredFieldsWithReasons)
{
    auto tok = tiny();
    ASSERT_FALSE(tok->notes().empty());
    EXPECT_NE(tok->notes()[0].find("TemplateProcessing"), std::string::npos);
    EXPECT_EQ(tok->bosId(), 300);
    EXPECT_EQ(tok->eosId(), 301);
    EXPECT_TRUE(tok->addBosToken());
}
