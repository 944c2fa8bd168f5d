// The embedded default model's tokenizer (resources/models/fathom-tiny-coder) against the token ids
// that transformers produced for its golden logits (tests/data/tiny_coder/golden/golden.json).
#include "tests/inference/tokenizer_test_support.h"

#include "inference/prompt/format_detect.h"

#include <gtest/gtest.h>

#include <fstream>

using fathom::inference::Tokenizer;

namespace {
const std::string kModel = std::string(FATHOM_TEST_DATA) + "/../../resources/models/fathom-tiny-coder";
}

TEST(TokenizerTinyCoder, encodesGoldenPromptLikeTransformers)
{
    const nlohmann::json golden =
        nlohmann::json::parse(std::ifstream(std::string(FATHOM_TEST_DATA) + "/tiny_coder/golden/golden.json"));
    auto tok = Tokenizer::load(kModel);
    std::vector<std::int32_t> expected = golden["prompt_tokens"].get<std::vector<std::int32_t>>();
    ASSERT_TRUE(tok->addBosToken());
    ASSERT_EQ(expected.front(), tok->bosId());  // transformers added BOS, as tokenizer_config asks
    expected.erase(expected.begin());
    EXPECT_EQ(tok->encode(golden["prompt_text"].get<std::string>()), expected);
    EXPECT_EQ(tok->decode(golden["greedy_tokens"].get<std::vector<std::int32_t>>()),
              golden["greedy_text"].get<std::string>());
}

TEST(TokenizerTinyCoder, usesDeepseekV2ChatFormat)
{
    const auto d = fathom::inference::detectChatFormat(kModel);
    EXPECT_EQ(fathom::inference::chatFormatName(d.format), "deepseek-v2");
}
