// The `pre_tokenizer` of tokenizer.json: a sequence of regex splits that cut text into pieces which
// BPE then encodes one by one. Only byte-level BPE is supported, so a `ByteLevel` step must be last.
#pragma once

#include "inference/tokenizer/regex_split.h"

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace fathom::inference {

class PreTokenizer final {
public:
    // Builds the steps from tokenizer.json's "pre_tokenizer" value. `file` names tokenizer.json in
    // errors. Throws fathom::Error(UserInput) on unsupported types or patterns that do not compile.
    PreTokenizer(const nlohmann::json& spec, const std::string& file);

    // Pieces of text[whole], in order, none empty. text must be valid UTF-8.
    void split(std::string_view text, Span whole, std::vector<Span>& out) const;

    std::size_t stepCount() const { return m_steps.size(); }
    bool allJit() const;

private:
    void addSteps(const nlohmann::json& spec, const std::string& file, bool& sawByteLevel);

    std::vector<std::unique_ptr<RegexSplit>> m_steps;
};

}  // namespace fathom::inference
