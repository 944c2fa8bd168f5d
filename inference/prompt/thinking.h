// R1-style replies: "<think>reasoning</think>answer". Split a reply so the UI can fold the
// reasoning, and drop it from earlier turns as R1's chat template does.
#pragma once

#include <string>
#include <string_view>

namespace fathom::inference {

struct ThinkingSplit {
    bool hasThinking = false;   // the reply opened a thinking block
    bool thinkingOpen = false;  // ... and has not closed it yet (still streaming the reasoning)
    std::string thinking;       // text between <think> and </think>, without the tags
    std::string answer;         // text after </think> (leading newlines removed), or the whole reply
};

// `startsInsideThinking`: the prompt already ended in "<think>\n", so the reply begins with the
// reasoning and has only the closing tag. Leading whitespace before <think> is allowed.
ThinkingSplit splitThinking(std::string_view reply, bool startsInsideThinking = false);

// What R1's template keeps of an earlier assistant turn: content.split('</think>')[-1].
std::string stripThinkingForHistory(std::string_view content);

}  // namespace fathom::inference
