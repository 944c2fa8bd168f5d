// Mutation fuzzing of tokenizer.json, tokenizer_config.json and chat message lists: every mutant
// either loads or fails with a fathom::Error (never a crash, an abort or a stray exception type).
#include "tests/inference/tokenizer_test_support.h"

#include "inference/prompt/chat_message.h"
#include "inference/tokenizer/tokenizer_files.h"
#include "base/error.h"

#include <gtest/gtest.h>

#include <random>

using fathom::inference::Tokenizer;
using namespace fathom::test;

namespace {

// Every JSON pointer in doc (objects and arrays walked; huge ones sampled to keep this fast).
void collectPointers(const nlohmann::json& v, const nlohmann::json::json_pointer& at,
                     std::vector<nlohmann::json::json_pointer>& out, std::mt19937& rng)
{
    out.push_back(at);
    if (v.is_object()) {
        for (auto it = v.begin(); it != v.end(); ++it)
            if (v.size() < 50 || rng() % 40 == 0)
                collectPointers(it.value(), at / it.key(), out, rng);
    } else if (v.is_array()) {
        for (std::size_t i = 0; i < v.size(); ++i)
            if (v.size() < 50 || rng() % 40 == 0)
                collectPointers(v[i], at / i, out, rng);
    }
}

nlohmann::json randomValue(std::mt19937& rng)
{
    switch (rng() % 9) {
    case 0: return nullptr;
    case 1: return rng() % 2 == 0;
    case 2: return static_cast<std::int64_t>(rng()) - (1LL << 31);
    case 3: return -1;
    case 4: return 4294967296LL * 1024;
    case 5: return "<｜x｜>";
    case 6: return nlohmann::json::array({"a", "b"});
    case 7: return nlohmann::json::object({{"type", "Split"}});
    default: return "(a+)+$";
    }
}

// Applies one random edit: replace a value, delete a key/element, or duplicate an element.
void mutate(nlohmann::json& doc, std::mt19937& rng)
{
    std::vector<nlohmann::json::json_pointer> ptrs;
    collectPointers(doc, nlohmann::json::json_pointer(), ptrs, rng);
    const auto& p = ptrs[rng() % ptrs.size()];
    if (p.empty())
        return;
    const unsigned op = rng() % 3;
    nlohmann::json& parent = doc[p.parent_pointer()];
    if (op == 0) {
        doc[p] = randomValue(rng);
    } else if (op == 1 && parent.is_object()) {
        parent.erase(p.back());
    } else if (op == 1 && parent.is_array() && !parent.empty()) {
        parent.erase(parent.begin() + static_cast<std::ptrdiff_t>(rng() % parent.size()));
    } else if (parent.is_array()) {
        parent.push_back(doc[p]);
    }
}

// Returns true when fn ran through, false when it threw a user error (anything else fails).
template <typename Fn>
bool expectOnlyFathomErrors(Fn&& fn, const std::string& what)
{
    try {
        fn();
        return true;
    } catch (const fathom::Error& e) {
        EXPECT_EQ(e.kind(), fathom::ErrorKind::UserInput) << what << ": " << e.what();
    } catch (const std::exception& e) {
        ADD_FAILURE() << what << ": escaped as " << typeid(e).name() << ": " << e.what();
    }
    return false;
}

}  // namespace

TEST(TokenizerFuzz, mutatedTokenizerJsonLoadsOrFailsCleanly)
{
    const nlohmann::json base = tinyV2Json();
    std::mt19937 rng(2026);
    int loaded = 0;
    for (int round = 0; round < 400; ++round) {
        nlohmann::json doc = base;
        const int edits = 1 + static_cast<int>(rng() % 3);
        for (int e = 0; e < edits; ++e)
            mutate(doc, rng);
        loaded += expectOnlyFathomErrors(
            [&] {
                auto tok = Tokenizer::fromJson(doc.dump(), "fuzz/tokenizer.json");
                const auto ids = tok->encode("hello world 123 中文 <｜fim▁hole｜>\n\n");
                tok->decode(ids);
            },
            "round " + std::to_string(round));
    }
    // Both outcomes must occur, or the mutations are not exercising anything.
    std::printf("fuzz: %d of 400 mutated tokenizer.json files loaded\n", loaded);
    EXPECT_GT(loaded, 40);
    EXPECT_LT(loaded, 360);
}

TEST(TokenizerFuzz, corruptedBytesOfTokenizerJsonFailCleanly)
{
    const std::string base = tinyV2Json().dump();
    std::mt19937 rng(7);
    for (int round = 0; round < 200; ++round) {
        std::string text = base;
        for (int k = 0; k < 1 + static_cast<int>(rng() % 4); ++k)
            text[rng() % text.size()] = static_cast<char>(rng() % 256);
        if (rng() % 4 == 0)
            text.resize(rng() % text.size());
        expectOnlyFathomErrors([&] { Tokenizer::fromJson(text, "fuzz/tokenizer.json")->encode("abc"); },
                               "round " + std::to_string(round));
    }
}

TEST(TokenizerFuzz, mutatedConfigsAndMessagesFailCleanly)
{
    const nlohmann::json config = nlohmann::json::parse(R"({"add_bos_token": true, "bos_token": {"content": "<s>"},
        "tokenizer_class": "LlamaTokenizerFast", "chat_template": [{"name": "default", "template": "x"}]})");
    const nlohmann::json chat = nlohmann::json::parse(R"([{"role": "user", "content": "hi"},
        {"role": "assistant", "content": null, "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": "{}"}}]},
        {"role": "user", "content": [{"type": "text", "text": "a"}]}])");
    std::mt19937 rng(99);
    int configsOk = 0, messagesOk = 0;
    for (int round = 0; round < 300; ++round) {
        nlohmann::json c = config, m = chat;
        mutate(c, rng);
        mutate(m, rng);
        configsOk += expectOnlyFathomErrors(
            [&] { fathom::inference::parseTokenizerConfig(c, "fuzz/tokenizer_config.json"); },
            "config round " + std::to_string(round));
        messagesOk += expectOnlyFathomErrors([&] { fathom::inference::parseChatMessages(m, "fuzz/messages.json"); },
                                             "messages round " + std::to_string(round));
    }
    std::printf("fuzz: %d of 300 configs and %d of 300 message lists accepted\n", configsOk, messagesOk);
    EXPECT_LT(configsOk, 300);
    EXPECT_LT(messagesOk, 300);
}
