// Loading tokenizer.json (with the checks of docs/RELIABILITY.md cases 9-12) and the encode/decode
// paths.
#include "inference/tokenizer/tokenizer.h"

#include "inference/model/gguf_file.h"
#include "inference/tokenizer/byte_level.h"
#include "inference/model/json_file.h"
#include "inference/tokenizer/tokenizer_files.h"
#include "inference/tokenizer/utf8.h"
#include "base/error.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace fathom::inference {

namespace {

std::string typeOf(const nlohmann::json& spec)
{
    if (spec.is_object() && spec.contains("type") && spec["type"].is_string())
        return spec["type"].get<std::string>();
    return {};
}

}  // namespace

std::unique_ptr<Tokenizer> Tokenizer::load(const std::string& fileOrDir)
{
    if (isGgufPath(fileOrDir)) {
        const GgufFile file(fileOrDir);
        return fromGguf(file.layout(), fileOrDir);
    }
    const TokenizerFiles files = locateTokenizerFiles(fileOrDir);
    const std::string text = readTextFile(files.tokenizerJson, kTokenizerJsonLimits.maxBytes);
    std::unique_ptr<Tokenizer> tok = fromJson(text, files.tokenizerJson);
    if (!files.tokenizerConfigJson.empty()) {
        const TokenizerConfig cfg = readTokenizerConfig(files.tokenizerConfigJson);
        auto resolve = [&](const std::optional<std::string>& content, const char* what) -> std::optional<std::int32_t> {
            if (!content)
                return std::nullopt;
            auto id = tok->tokenId(*content);
            if (!id)
                throwFileError(files.tokenizerConfigJson, std::string(what) + " '" + *content + "' is not a token of " +
                                                              files.tokenizerJson);
            return id;
        };
        tok->m_bos = resolve(cfg.bosToken, "bos_token");
        tok->m_eos = resolve(cfg.eosToken, "eos_token");
        tok->m_addBos = cfg.addBosToken;
    }
    if (!files.configJson.empty())
        tok->checkModelVocabSize(files.configJson);
    return tok;
}

std::unique_ptr<Tokenizer> Tokenizer::fromJson(std::string_view json, const std::string& name)
{
    // Bounded like config.json: a 50 MB "[[[[..." or "[0,0,..." stops at the depth or value cap
    // instead of building a multi-GB document.
    const nlohmann::json doc = parseJsonText(json, name, kTokenizerJsonLimits.maxValues);
    return fromDocument(doc, name);
}

std::unique_ptr<Tokenizer> Tokenizer::fromDocument(const nlohmann::json& doc, const std::string& name)
{
    if (!doc.is_object())
        throwFileError(name, "must hold a JSON object");
    if (!doc.contains("model"))
        throwFileError(name, "has no \"model\"");

    std::unique_ptr<Tokenizer> tok(new Tokenizer());
    tok->m_file = name;
    auto part = [&](const char* key) { return doc.contains(key) ? doc.at(key) : nlohmann::json(); };
    try {
        tok->checkNormalizer(part("normalizer"));
        tok->m_model = std::make_unique<BpeModel>(doc.at("model"), name);
        tok->m_added = std::make_unique<AddedTokens>(part("added_tokens"), *tok->m_model, name);
        tok->m_pre = std::make_unique<PreTokenizer>(part("pre_tokenizer"), name);
        tok->checkPostProcessor(part("post_processor"));
        tok->checkDecoder(part("decoder"));
    } catch (const nlohmann::json::exception& e) {
        // A field of an unexpected JSON type that no check above anticipated.
        throwFileError(name, std::string("has an unexpected structure (") + e.what() + ")");
    }
    for (const char* key : {"truncation", "padding"})
        if (doc.contains(key) && !doc.at(key).is_null())
            tok->m_notes.push_back(std::string(key) + ": ignored; it applies to batches of fixed length, "
                                                      "and Fathom encodes whole texts");
    return tok;
}

void Tokenizer::checkNormalizer(const nlohmann::json& spec)
{
    // DeepSeek ships an empty Sequence. Any real normalizer would change ids, so refuse it rather
    // than tokenize differently from the model's training.
    if (spec.is_null())
        return;
    const std::string type = typeOf(spec);
    if (type == "Sequence" && spec.contains("normalizers") && spec["normalizers"].is_array()) {
        for (const auto& n : spec["normalizers"])
            checkNormalizer(n);
        return;
    }
    throwFileError(m_file, "normalizer " + (type.empty() ? spec.dump().substr(0, 60) : "\"" + type + "\"") +
                               " is not supported (Fathom supports none or an empty Sequence)");
}

void Tokenizer::checkPostProcessor(const nlohmann::json& spec)
{
    const std::string type = typeOf(spec);
    if (spec.is_null())
        return;
    if (type == "Sequence" && spec.contains("processors") && spec["processors"].is_array()) {
        for (const auto& p : spec["processors"])
            checkPostProcessor(p);
    } else if (type == "ByteLevel") {
        m_notes.push_back("post_processor ByteLevel: ignored; it only trims offsets, which Fathom does not report");
    } else if (type == "TemplateProcessing" || type == "RobertaProcessing" || type == "BertProcessing") {
        m_notes.push_back("post_processor " + type + ": ignored; it adds BOS/EOS, which Fathom's prompt formats "
                                                     "add explicitly and `tokenize` never adds");
    } else {
        throwFileError(m_file, "post_processor \"" + type + "\" is not supported");
    }
}

void Tokenizer::checkDecoder(const nlohmann::json& spec)
{
    const std::string type = typeOf(spec);
    if (type == "ByteLevel")
        return;  // its add_prefix_space/trim_offsets/use_regex do nothing when decoding
    if (type == "Sequence" && spec.contains("decoders") && spec["decoders"].is_array() &&
        spec["decoders"].size() == 1) {
        checkDecoder(spec["decoders"][0]);
        return;
    }
    throwFileError(m_file, "decoder " + (type.empty() ? std::string("(none)") : "\"" + type + "\"") +
                               " is not supported; byte-level BPE needs the ByteLevel decoder");
}

void Tokenizer::checkModelVocabSize(const std::string& configPath)
{
    const nlohmann::json cfg = readJsonFile(configPath, kConfigJsonLimits);
    auto it = cfg.is_object() ? cfg.find("vocab_size") : cfg.end();
    if (it == cfg.end() || !it->is_number_integer())
        return;  // the model loader reports a bad config.json; here it only bounds the ids
    const std::int64_t vocabSize = it->get<std::int64_t>();
    for (const AddedToken& a : m_added->tokens())
        if (a.id >= vocabSize)
            throwFileError(m_file, "added token '" + a.content + "' has id " + std::to_string(a.id) +
                                       ", beyond the model's vocab_size " + std::to_string(vocabSize) + " in " + configPath);
    if (m_model->idLimit() > vocabSize)
        throwFileError(m_file, "the vocab has ids up to " + std::to_string(m_model->idLimit() - 1) +
                                   ", beyond the model's vocab_size " + std::to_string(vocabSize) + " in " + configPath);
}

namespace {

void requireUtf8(std::string_view text)
{
    if (const std::size_t bad = utf8::firstInvalid(text); bad != std::string_view::npos) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(text[bad]));
        throwUserError("text is not valid UTF-8: byte " + std::string(hex) + " at offset " + std::to_string(bad));
    }
}

}  // namespace

std::vector<std::int32_t> Tokenizer::encode(std::string_view text, bool matchAddedTokens) const
{
    if (matchAddedTokens)
        return encode(text, std::vector<Span>{});
    requireUtf8(text);
    std::vector<std::int32_t> ids;
    ids.reserve(text.size() / 3 + 8);
    encodeText(text, 0, text.size(), ids);
    return ids;
}

std::vector<std::int32_t> Tokenizer::encodeWithBos(std::string_view text) const
{
    std::vector<std::int32_t> ids = encode(text);
    if (m_addBos && m_bos)
        ids.insert(ids.begin(), *m_bos);
    return ids;
}

std::vector<std::int32_t> Tokenizer::encode(std::string_view text, const std::vector<Span>& literal) const
{
    requireUtf8(text);
    std::vector<std::int32_t> ids;
    ids.reserve(text.size() / 3 + 8);
    for (const TextSegment& seg : m_added->split(text, literal)) {
        if (seg.id >= 0)
            ids.push_back(seg.id);
        else
            encodeText(text, seg.begin, seg.end, ids);
    }
    return ids;
}

void Tokenizer::encodeText(std::string_view text, std::size_t begin, std::size_t end,
                           std::vector<std::int32_t>& out) const
{
    std::vector<Span> pieces;
    m_pre->split(text, {begin, end}, pieces);
    for (const Span& p : pieces)
        m_model->encodePiece(text.substr(p.begin, p.end - p.begin), out);
}

bool Tokenizer::appendTokenBytes(std::int32_t id, std::string& out, bool skipSpecial) const
{
    if (const AddedToken* a = m_added->byId(id)) {
        if (!(skipSpecial && a->special))
            out.append(a->content);
        return true;
    }
    const std::string_view token = m_model->tokenText(id);
    if (token.empty())
        return false;
    // A vocab token outside the byte alphabet (DeepSeek's vocab copies of its special tokens) is
    // its own UTF-8 text, as in HF's ByteLevel decoder.
    if (!byte_level::decode(token, out))
        out.append(token);
    return true;
}

std::string Tokenizer::decode(const std::vector<std::int32_t>& ids, bool skipSpecial) const
{
    std::string bytes;
    bytes.reserve(ids.size() * 4);
    for (std::int32_t id : ids)
        appendTokenBytes(id, bytes, skipSpecial);
    return utf8::toValidLossy(bytes);
}

std::optional<std::int32_t> Tokenizer::tokenId(std::string_view token) const
{
    if (const AddedToken* a = m_added->byContent(token))
        return a->id;
    return m_model->find(token);
}

std::int32_t Tokenizer::requireTokenId(std::string_view token) const
{
    auto id = tokenId(token);
    if (!id)
        throwFileError(m_file, "has no token '" + std::string(token) + "'");
    return *id;
}

bool Tokenizer::knows(std::int32_t id) const
{
    return m_added->byId(id) != nullptr || !m_model->tokenText(id).empty();
}

bool Tokenizer::isSpecial(std::int32_t id) const
{
    const AddedToken* a = m_added->byId(id);
    return a && a->special;
}

std::int32_t Tokenizer::idLimit() const { return std::max(m_model->idLimit(), m_added->maxId() + 1); }

}  // namespace fathom::inference
