// Fill-in-the-middle prompt for DeepSeek-Coder-V2 Base:
//   [BOS]<｜fim▁begin｜>{prefix}<｜fim▁hole｜>{suffix}<｜fim▁end｜>
// trimmed to a token budget by dropping the lines farthest from the cursor. Token ids are read
// from the tokenizer, never hard-coded.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fathom::inference {

class Tokenizer;

struct FimBudget {
    int maxTokens = 1536;       // whole prompt, control tokens and BOS included
    double prefixShare = 0.75;  // share of the text budget for the prefix when both sides overflow
};

struct FimPrompt {
    std::vector<std::int32_t> ids;  // what the engine prefills
    std::string keptPrefix;         // the end of the prefix that fits
    std::string keptSuffix;         // the start of the suffix that fits
    int prefixTokens = 0;
    int suffixTokens = 0;
};

// Throws fathom::Error(UserInput) if the tokenizer lacks the FIM tokens or the budget cannot hold
// even them. A side's nearest line is cut mid-line (by characters) only when it alone overflows.
FimPrompt buildFimPrompt(const Tokenizer& tokenizer, std::string_view prefix, std::string_view suffix,
                         const FimBudget& budget = {});

}  // namespace fathom::inference
