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
    const auto expected = golden["prompt_tokens"].get<std::vector<std::int32_t>>();
    // transformers added BOS, as tokenizer_config.json asks; encode() itself never does.
    EXPECT_EQ(tok->encodeWithBos(golden["prompt_text"].get<std::string>()), expected);
    EXPECT_EQ(tok->encode(golden["prompt_text"].get<std::string>()),
              std::vector<std::int32_t>(expected.begin() + 1, expected.end()));
    EXPECT_EQ(tok->decode(golden["greedy_tokens"].get<std::vector<std::int32_t>>()),
              golden["greedy_text"].get<std::string>());
}

TEST(TokenizerTinyCoder, usesDeepseekV2ChatFormat)
{
    const auto d = fathom::inference::detectChatFormat(kModel);
    EXPECT_EQ(fathom::inference::chatFormatName(d.format), "deepseek-v2");
}
