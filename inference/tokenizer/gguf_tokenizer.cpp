// Tokenizer::fromGguf: the tokenizer.json a GGUF's tokenizer.ggml.* metadata stands for, rebuilt and
// loaded through the same checks as a real one. llama.cpp's converter writes the BPE vocab
// (tokens, byte-level text), the merges ("a b"), token types (CONTROL = special added tokens,
// USER_DEFINED = plain added tokens) and, instead of the pre-tokenizer itself, only its name in
// tokenizer.ggml.pre; the names map back to the pre_tokenizer objects of the DeepSeek repos they
// were made from (deepseek-llm-7b-base / DeepSeek-V2, deepseek-coder-6.7b-base, DeepSeek-V3). The
// deepseek-llm and deepseek-v3 patterns are those of tests/data/tokenizer/tiny-v2 and the embedded
// tiny coder, which carry the real DeepSeek-V2 / V3 pre-tokenizers.
#include "inference/tokenizer/tokenizer.h"

#include "inference/model/gguf_metadata.h"
#include "base/error.h"

#include <nlohmann/json.hpp>

#include <unordered_map>

namespace fathom::inference {

namespace {

// llama_token_type, as stored in tokenizer.ggml.token_type: never renumber.
constexpr std::int64_t kTokenControl = 3;
constexpr std::int64_t kTokenUserDefined = 4;

nlohmann::json split(const char* regex)
{
    return {{"type", "Split"}, {"pattern", {{"Regex", regex}}}, {"behavior", "Isolated"}, {"invert", false}};
}

const nlohmann::json& byteLevel()
{
    static const nlohmann::json b = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", false}};
    return b;
}

// The pre_tokenizer of tokenizer.json for a tokenizer.ggml.pre name; null when unknown.
nlohmann::json preTokenizerFor(const std::string& pre)
{
    nlohmann::json steps = nlohmann::json::array();
    if (pre == "deepseek-llm") {  // DeepSeek-LLM, -V2, -Coder-V2
        steps.push_back(split("[\r\n]"));
        steps.push_back(split("\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-ώᾀ-ᾴᾶ-ᾼιῂ-ῄῆ-ῌῐ-ΐῖ-Ίῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤΩℨK-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+"));
        steps.push_back(split("\\s?[!-/:-~！-／：-～‘-‟　-。]+"));
        steps.push_back(split("\\s+$"));
        steps.push_back(split("[一-龥ࠀ-一가-퟿]+"));
        steps.push_back(split("\\p{N}+"));
    } else if (pre == "deepseek-coder") {  // DeepSeek-Coder (v1); no copy of its tokenizer.json in tests/data yet
        steps.push_back(split("[\r\n]"));
        steps.push_back(split("\\s?\\p{L}+"));
        steps.push_back(split("\\s?\\p{P}+"));
        steps.push_back(split("[一-龥ࠀ-一가-퟿]+"));
        steps.push_back({{"type", "Digits"}, {"individual_digits", true}});
    } else if (pre == "deepseek-v3") {  // DeepSeek-V3, -R1
        steps.push_back(split("\\p{N}{1,3}"));
        steps.push_back(split("[一-龥぀-ゟ゠-ヿ]+"));
        steps.push_back(split("[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|"
                              "[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|"
                              "\\s+(?!\\S)|\\s+"));
    } else {
        return nullptr;
    }
    steps.push_back(byteLevel());
    return {{"type", "Sequence"}, {"pretokenizers", steps}};
}

}  // namespace

std::unique_ptr<Tokenizer> Tokenizer::fromGguf(const GgufLayout& layout, const std::string& path)
{
    const GgufMetadata m(layout, path);
    const std::string model = m.string("tokenizer.ggml.model").value_or("");
    if (model.empty())
        throwFileError(path, "has no tokenizer (tokenizer.ggml.model is missing); pass --tokens ids instead of text");
    if (model != "gpt2")
        throwFileError(path, "tokenizer.ggml.model is \"" + model + "\"; Fathom reads byte-level BPE (\"gpt2\") tokenizers");
    const std::string pre = m.string("tokenizer.ggml.pre").value_or("default");
    nlohmann::json preTokenizer = preTokenizerFor(pre);
    if (preTokenizer.is_null())
        throwFileError(path, "tokenizer.ggml.pre is \"" + pre +
                                 "\"; Fathom knows the DeepSeek ones: deepseek-llm, deepseek-coder, deepseek-v3");

    const std::vector<GgufValue>* tokens = m.array("tokenizer.ggml.tokens", GgufType::String);
    if (!tokens || tokens->empty())
        throwFileError(path, "tokenizer.ggml.tokens is missing or empty");
    const std::vector<GgufValue>* types = m.array("tokenizer.ggml.token_type", GgufType::Int32);
    if (types && types->size() != tokens->size())
        throwFileError(path, "tokenizer.ggml.token_type has " + std::to_string(types->size()) + " entries but " +
                                 "tokenizer.ggml.tokens has " + std::to_string(tokens->size()));
    nlohmann::json vocab = nlohmann::json::object();
    nlohmann::json added = nlohmann::json::array();
    for (std::size_t id = 0; id < tokens->size(); ++id) {
        const std::string text((*tokens)[id].text);
        auto [it, fresh] = vocab.emplace(text, id);
        if (!fresh)
            throwFileError(path, "tokenizer.ggml.tokens holds '" + text + "' twice (ids " + it->dump() + " and " +
                                     std::to_string(id) + ")");
        const std::int64_t type = types ? (*types)[id].intValue : 1;
        if (type == kTokenControl || type == kTokenUserDefined)
            added.push_back({{"id", id}, {"content", text}, {"special", type == kTokenControl}, {"normalized", false},
                             {"lstrip", false}, {"rstrip", false}, {"single_word", false}});
    }
    nlohmann::json merges = nlohmann::json::array();
    if (const std::vector<GgufValue>* list = m.array("tokenizer.ggml.merges", GgufType::String))
        for (const GgufValue& v : *list)
            merges.push_back(std::string(v.text));
    const nlohmann::json doc = {
        {"model", {{"type", "BPE"}, {"vocab", std::move(vocab)}, {"merges", std::move(merges)}}},
        {"added_tokens", std::move(added)},
        {"pre_tokenizer", std::move(preTokenizer)},
        {"decoder", byteLevel()},
    };
    std::unique_ptr<Tokenizer> tok = fromDocument(doc, path);
    auto tokenId = [&](const char* key) -> std::optional<std::int32_t> {
        const auto id = m.integer(key);
        if (!id)
            return std::nullopt;
        if (*id < 0 || *id >= static_cast<std::int64_t>(tokens->size()))
            m.fail(key, "is " + std::to_string(*id) + ", not an id of tokenizer.ggml.tokens (" +
                            std::to_string(tokens->size()) + " tokens)");
        return static_cast<std::int32_t>(*id);
    };
    tok->m_bos = tokenId("tokenizer.ggml.bos_token_id");
    tok->m_eos = tokenId("tokenizer.ggml.eos_token_id");
    tokenId("tokenizer.ggml.padding_token_id");  // checked; Fathom never pads
    // llama.cpp's default for BPE vocabularies without the key is to add BOS, as HF's Llama tokenizers do.
    tok->m_addBos = m.boolean("tokenizer.ggml.add_bos_token").value_or(true);
    tok->m_notes.push_back("built from " + path + "'s tokenizer.ggml metadata (pre-tokenizer " + pre + ")");
    return tok;
}

}  // namespace fathom::inference
