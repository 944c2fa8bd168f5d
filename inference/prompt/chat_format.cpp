// Format names and dispatch to the per-family renderers.
#include "inference/prompt/chat_format.h"

#include "base/error.h"

namespace fathom::inference {

ChatFormat chatFormatByName(const std::string& name)
{
    ChatFormat f;
    if (name == "deepseek-v2") {
        f.kind = ChatFormatKind::DeepseekV2;
    } else if (name == "deepseek-v3") {
        f.kind = ChatFormatKind::DeepseekV3;
    } else if (name == "deepseek-r1") {
        f.kind = ChatFormatKind::DeepseekV3;
        f.stripThinking = true;
    } else {
        throwUserError("unknown chat format '" + name + "' (expected deepseek-v2, deepseek-v3, deepseek-r1 or auto)");
    }
    return f;
}

std::string chatFormatName(const ChatFormat& format)
{
    if (format.kind == ChatFormatKind::DeepseekV2)
        return "deepseek-v2";
    return format.stripThinking ? "deepseek-r1" : "deepseek-v3";
}

RenderedChat renderChatWithSpans(const ChatFormat& format, const std::vector<ChatMessage>& messages,
                                 bool addGenerationPrompt)
{
    RenderedChat out;
    if (format.kind == ChatFormatKind::DeepseekV2)
        detail::renderDeepseekV2(format, messages, addGenerationPrompt, out);
    else
        detail::renderDeepseekV3(format, messages, addGenerationPrompt, out);
    return out;
}

std::string renderChat(const ChatFormat& format, const std::vector<ChatMessage>& messages, bool addGenerationPrompt)
{
    return renderChatWithSpans(format, messages, addGenerationPrompt).text;
}

}  // namespace fathom::inference
