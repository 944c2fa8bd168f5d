// Parsing of <think> blocks in model replies.
#include "inference/prompt/thinking.h"

namespace fathom::inference {

namespace {
constexpr std::string_view kOpen = "<think>";
constexpr std::string_view kClose = "</think>";
}  // namespace

ThinkingSplit splitThinking(std::string_view reply, bool startsInsideThinking)
{
    ThinkingSplit out;
    std::string_view rest = reply;
    if (!startsInsideThinking) {
        const std::size_t first = rest.find_first_not_of(" \t\r\n");
        if (first == std::string_view::npos || rest.substr(first, kOpen.size()) != kOpen) {
            out.answer = std::string(reply);
            return out;
        }
        rest.remove_prefix(first + kOpen.size());
    }
    out.hasThinking = true;
    const std::size_t close = rest.find(kClose);
    if (close == std::string_view::npos) {
        out.thinkingOpen = true;
        out.thinking = std::string(rest);
        return out;
    }
    out.thinking = std::string(rest.substr(0, close));
    std::string_view answer = rest.substr(close + kClose.size());
    const std::size_t start = answer.find_first_not_of("\r\n");
    out.answer = start == std::string_view::npos ? std::string() : std::string(answer.substr(start));
    return out;
}

std::string stripThinkingForHistory(std::string_view content)
{
    const std::size_t close = content.rfind(kClose);
    if (close == std::string_view::npos)
        return std::string(content);
    return std::string(content.substr(close + kClose.size()));
}

}  // namespace fathom::inference
