// One Hugging Face `Split` pre-tokenizer step: a PCRE2 pattern (JIT-compiled, Unicode-aware) that
// cuts a piece of text into smaller pieces, with HF's five delimiter behaviours and `invert`.
#pragma once

#include "inference/tokenizer/span.h"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace fathom::inference {

enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

class RegexSplit final {
public:
    // `where` names the file and step for error messages ("tokenizer.json: pre_tokenizer step 3").
    // Throws fathom::Error(UserInput) if the pattern does not compile.
    RegexSplit(const std::string& pattern, bool literal, SplitBehavior behavior, bool invert,
               std::string where);
    ~RegexSplit();
    RegexSplit(const RegexSplit&) = delete;
    RegexSplit& operator=(const RegexSplit&) = delete;

    // Splits text[piece] and appends the resulting non-empty pieces to out. The regex sees only the
    // piece (lookarounds stop at its edges, as in HF). Throws fathom::Error(UserInput) naming the
    // pattern when PCRE2's match or memory limits stop it (catastrophic backtracking).
    void apply(std::string_view text, Span piece, std::vector<Span>& out) const;

    bool usesJit() const { return m_jit; }
    const std::string& pattern() const { return m_pattern; }

private:
    void findMatches(std::string_view subject, std::vector<Span>& matches) const;

    std::string m_pattern;
    std::string m_where;
    SplitBehavior m_behavior;
    bool m_invert;
    bool m_jit = false;
    void* m_code = nullptr;  // pcre2_code*
};

}  // namespace fathom::inference
