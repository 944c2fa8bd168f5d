// Reads the pre_tokenizer JSON into RegexSplit steps and runs them piece by piece, as HF does.
#include "inference/tokenizer/pre_tokenizer.h"

#include "base/error.h"

#include <nlohmann/json.hpp>

namespace fathom::inference {

namespace {

// GPT-2's own split, used by ByteLevel when use_regex is true.
const char* const kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

SplitBehavior parseBehavior(const nlohmann::json& v, const std::string& where)
{
    const std::string s = v.is_string() ? v.get<std::string>() : std::string();
    if (s == "Removed") return SplitBehavior::Removed;
    if (s == "Isolated") return SplitBehavior::Isolated;
    if (s == "MergedWithPrevious") return SplitBehavior::MergedWithPrevious;
    if (s == "MergedWithNext") return SplitBehavior::MergedWithNext;
    if (s == "Contiguous") return SplitBehavior::Contiguous;
    throwFileError(where, "Split behavior " + v.dump() +
                              " is not one of Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous");
}

bool boolField(const nlohmann::json& spec, const char* key, bool fallback, const std::string& where)
{
    auto it = spec.find(key);
    if (it == spec.end() || it->is_null())
        return fallback;
    if (!it->is_boolean())
        throwFileError(where, std::string("\"") + key + "\" must be true or false, not " + it->dump());
    return it->get<bool>();
}

}  // namespace

PreTokenizer::PreTokenizer(const nlohmann::json& spec, const std::string& file)
{
    bool sawByteLevel = false;
    addSteps(spec, file, sawByteLevel);
    if (!sawByteLevel)
        throwFileError(file, "pre_tokenizer has no ByteLevel step; only byte-level BPE tokenizers "
                             "(GPT-2 / DeepSeek style) are supported");
}

void PreTokenizer::addSteps(const nlohmann::json& spec, const std::string& file, bool& sawByteLevel)
{
    if (spec.is_null())
        return;
    const std::string where = file + ": pre_tokenizer step " + std::to_string(m_steps.size() + 1);
    if (!spec.is_object() || !spec.contains("type") || !spec["type"].is_string())
        throwFileError(where, "expected an object with a \"type\", got " + spec.dump().substr(0, 80));
    const std::string type = spec["type"];
    if (sawByteLevel)
        throwFileError(where, type + " comes after ByteLevel; only a ByteLevel last in the sequence is supported");

    if (type == "Sequence") {
        auto it = spec.find("pretokenizers");
        if (it == spec.end() || !it->is_array())
            throwFileError(where, "Sequence needs a \"pretokenizers\" array");
        for (const auto& s : *it)
            addSteps(s, file, sawByteLevel);
    } else if (type == "Split") {
        auto pat = spec.find("pattern");
        if (pat == spec.end() || !pat->is_object() || pat->size() != 1)
            throwFileError(where, "Split needs \"pattern\": {\"Regex\": ...} or {\"String\": ...}");
        const bool literal = pat->contains("String");
        const auto& p = literal ? (*pat)["String"] : pat->value("Regex", nlohmann::json());
        if (!p.is_string())
            throwFileError(where, "Split pattern must be a Regex or String holding a string");
        if (!spec.contains("behavior"))
            throwFileError(where, "Split needs a \"behavior\"");
        m_steps.push_back(std::make_unique<RegexSplit>(p.get<std::string>(), literal,
                                                       parseBehavior(spec["behavior"], where),
                                                       boolField(spec, "invert", false, where), where));
    } else if (type == "Digits") {
        // HF splits on Rust's char::is_numeric, i.e. the Unicode N categories.
        const bool single = boolField(spec, "individual_digits", false, where);
        m_steps.push_back(std::make_unique<RegexSplit>(single ? "\\p{N}" : "\\p{N}+", false,
                                                       SplitBehavior::Isolated, false, where));
    } else if (type == "ByteLevel") {
        // add_prefix_space would put a space before every piece; no DeepSeek tokenizer sets it, and
        // guessing at its semantics would silently change ids, so it is refused instead.
        if (boolField(spec, "add_prefix_space", false, where))
            throwFileError(where, "ByteLevel with add_prefix_space=true is not supported");
        if (boolField(spec, "use_regex", true, where))
            m_steps.push_back(std::make_unique<RegexSplit>(kGpt2Pattern, false, SplitBehavior::Isolated, false, where));
        // trim_offsets only changes offsets, which Fathom does not report.
        sawByteLevel = true;
    } else {
        throwFileError(where, "pre-tokenizer type \"" + type +
                                  "\" is not supported (supported: Sequence, Split, Digits, ByteLevel)");
    }
}

void PreTokenizer::split(std::string_view text, Span whole, std::vector<Span>& out) const
{
    std::vector<Span> cur{whole}, next;
    for (const auto& step : m_steps) {
        next.clear();
        next.reserve(cur.size() * 2);
        for (const Span& piece : cur)
            step->apply(text, piece, next);
        cur.swap(next);
    }
    for (const Span& s : cur)
        if (s.end > s.begin)
            out.push_back(s);
}

bool PreTokenizer::allJit() const
{
    for (const auto& s : m_steps)
        if (!s->usesJit())
            return false;
    return true;
}

}  // namespace fathom::inference
