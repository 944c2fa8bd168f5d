// The stable-start FIM prompt (see the header for why it is shaped this way).
#include "app/services/fim_request_policy.h"

#include "inference/prompt/fim_prompt.h"
#include "inference/tokenizer/tokenizer.h"

#include <algorithm>
#include <string>

namespace fathom::app {

std::vector<std::int32_t> buildFimPromptIds(const inference::Tokenizer& tok, const FimPolicyInput& in)
{
    const int control = 3 + (tok.addBosToken() && tok.bosId() ? 1 : 0);
    inference::FimBudget suffixOnly;
    suffixOnly.maxTokens = std::max(0, std::min(in.suffixBudget, in.promptBudget / 2)) + control;
    suffixOnly.prefixShare = 0;
    const std::string keptSuffix = inference::buildFimPrompt(tok, "", in.suffix, suffixOnly).keptSuffix;

    // Give the suffix exactly what it needs (the half token keeps int rounding on its side).
    const int textBudget = in.promptBudget - control;
    const int suffixTokens = int(tok.encode(keptSuffix, /*matchAddedTokens=*/false).size());
    inference::FimBudget budget;
    budget.maxTokens = in.promptBudget;
    budget.prefixShare = textBudget > 0 ? std::max(0.0, (textBudget - suffixTokens - 0.5) / textBudget) : 0.0;
    inference::FimPrompt prompt = inference::buildFimPrompt(tok, in.prefix, keptSuffix, budget);

    const std::string_view prefix = in.prefix;
    const std::size_t cut = prefix.size() - prompt.keptPrefix.size();
    if (cut > 0) {
        // Move the cut forward to the next line whose document line number is a multiple of
        // kPrefixLineStep: while the person types below it, the prompt keeps the same start.
        int line = in.prefixFirstLine + int(std::count(prefix.begin(), prefix.begin() + std::ptrdiff_t(cut), '\n'));
        std::size_t pos = cut;
        if (prefix[pos - 1] != '\n') {  // cut mid-line: go to the next line start
            const std::size_t nl = prefix.find('\n', pos);
            pos = nl == std::string_view::npos ? std::string_view::npos : nl + 1;
            ++line;
        }
        while (pos != std::string_view::npos && line % kPrefixLineStep != 0) {
            const std::size_t nl = prefix.find('\n', pos);
            pos = nl == std::string_view::npos ? std::string_view::npos : nl + 1;
            ++line;
        }
        if (pos != std::string_view::npos && pos < prefix.size())
            prompt = inference::buildFimPrompt(tok, prefix.substr(pos), keptSuffix, budget);
    }
    return std::move(prompt.ids);
}

}  // namespace fathom::app
