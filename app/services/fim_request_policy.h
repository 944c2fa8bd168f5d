// How an editor completion becomes a FIM prompt, Qt-free so the GPU bench (tests/bench) uses the same
// policy as the app: the suffix is cut to its own small budget (it follows the hole, so it is
// recomputed on every request), the prefix gets the rest, and the prefix's first line only moves in
// steps of kPrefixLineStep document lines, so requests while typing share the prompt's start and
// the engine reuses its KV cache.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace fathom::inference {
class Tokenizer;
}

namespace fathom::app {

constexpr int kPrefixLineStep = 32;

struct FimPolicyInput {
    std::string_view prefix;    // text before the cursor
    std::string_view suffix;    // text after the cursor
    int prefixFirstLine = 0;    // document line number of prefix's first line
    int promptBudget = 1536;    // whole prompt, control tokens included
    int suffixBudget = 256;     // of which the suffix at most
};

// Token ids of the FIM prompt. Throws fathom::Error when the tokenizer lacks the FIM tokens or the
// budget cannot hold them.
std::vector<std::int32_t> buildFimPromptIds(const inference::Tokenizer& tokenizer, const FimPolicyInput& input);

}  // namespace fathom::app
