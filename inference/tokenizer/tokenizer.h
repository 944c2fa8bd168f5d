// fathom::inference::Tokenizer: a Hugging Face tokenizer.json with a byte-level BPE model, as the
// DeepSeek V2/V3 families ship it. Encodes text to ids (added tokens in the text are matched as
// tokens, nothing is prepended) and decodes ids back. Immutable after load; encode/decode are
// thread-safe.
#pragma once

#include "inference/tokenizer/added_tokens.h"
#include "inference/tokenizer/bpe_model.h"
#include "inference/tokenizer/pre_tokenizer.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fathom::inference {

struct GgufLayout;

class Tokenizer final {
public:
    // FILE_OR_DIR: tokenizer.json, a model folder, or a .gguf file (fromGguf). Reads
    // tokenizer_config.json (BOS/EOS) and config.json (vocab_size: every id must fit the model)
    // when they sit next to tokenizer.json.
    // Throws fathom::Error(UserInput) naming the file and the problem.
    static std::unique_ptr<Tokenizer> load(const std::string& fileOrDir);
    // From tokenizer.json text; `name` stands for the file in errors.
    static std::unique_ptr<Tokenizer> fromJson(std::string_view json, const std::string& name);
    // The same from a parsed tokenizer.json document.
    static std::unique_ptr<Tokenizer> fromDocument(const nlohmann::json& doc, const std::string& name);
    // From a GGUF file's tokenizer.ggml.* metadata (gguf_tokenizer.cpp): a lone .gguf is a whole model.
    static std::unique_ptr<Tokenizer> fromGguf(const GgufLayout& layout, const std::string& path);

    // Text must be valid UTF-8 (else fathom::Error(UserInput) with the byte offset). With
    // matchAddedTokens=false, "<｜User｜>" in the text is encoded as plain characters.
    std::vector<std::int32_t> encode(std::string_view text, bool matchAddedTokens = true) const;
    // encode() with BOS in front when tokenizer_config.json's add_bos_token says so: the raw
    // prompt of `fathom-cli generate --prompt`, as HF's tokenizer(text) would give it.
    std::vector<std::int32_t> encodeWithBos(std::string_view text) const;
    // Same, but added tokens overlapping a `literal` range (sorted, disjoint) are encoded as plain
    // text: a chat prompt's message contents, so that a pasted "<｜User｜>" cannot fake a turn.
    std::vector<std::int32_t> encode(std::string_view text, const std::vector<Span>& literal) const;

    // Text of the ids; bytes that do not form UTF-8 become U+FFFD. Ids the tokenizer does not know
    // are skipped (as HF does): the model's vocab can be larger than the tokenizer's.
    std::string decode(const std::vector<std::int32_t>& ids, bool skipSpecial = false) const;
    // Raw bytes of one token (may be part of a character); false for an unknown id.
    bool appendTokenBytes(std::int32_t id, std::string& out, bool skipSpecial = false) const;

    // Id of a vocab or added token given its text as written in tokenizer.json.
    std::optional<std::int32_t> tokenId(std::string_view token) const;
    // Same, but throws fathom::Error(UserInput) naming tokenizer.json when it is missing.
    std::int32_t requireTokenId(std::string_view token) const;
    bool knows(std::int32_t id) const;
    bool isSpecial(std::int32_t id) const;
    std::int32_t idLimit() const;  // largest id + 1

    std::optional<std::int32_t> bosId() const { return m_bos; }
    std::optional<std::int32_t> eosId() const { return m_eos; }
    bool addBosToken() const { return m_addBos; }  // tokenizer_config.json's (or GGUF's) add_bos_token
    const std::string& file() const { return m_file; }
    const AddedTokens& addedTokens() const { return *m_added; }
    const BpeModel& model() const { return *m_model; }
    const PreTokenizer& preTokenizer() const { return *m_pre; }
    // Fields of tokenizer.json that were read but do not change ids, and why.
    const std::vector<std::string>& notes() const { return m_notes; }

    // Drops the piece cache (benchmarks use it to measure a cold start).
    void clearCache() const { m_model->clearCache(); }

private:
    Tokenizer() = default;
    void checkNormalizer(const nlohmann::json& spec);
    void checkPostProcessor(const nlohmann::json& spec);
    void checkDecoder(const nlohmann::json& spec);
    void checkModelVocabSize(const std::string& configPath);
    void encodeText(std::string_view text, std::size_t begin, std::size_t end, std::vector<std::int32_t>& out) const;

    std::string m_file;
    std::unique_ptr<BpeModel> m_model;
    std::unique_ptr<AddedTokens> m_added;
    std::unique_ptr<PreTokenizer> m_pre;
    std::vector<std::string> m_notes;
    std::optional<std::int32_t> m_bos, m_eos;
    bool m_addBos = false;
};

}  // namespace fathom::inference
