// Rendering plus span-aware encoding; see chat_prompt.h.
#include "inference/prompt/chat_prompt.h"

#include "inference/tokenizer/tokenizer.h"

namespace fathom::inference {

std::vector<std::int32_t> encodeChatPrompt(const Tokenizer& tokenizer, const ChatFormat& format,
                                           const std::vector<ChatMessage>& messages, bool addGenerationPrompt)
{
    const RenderedChat chat = renderChatWithSpans(format, messages, addGenerationPrompt);
    return tokenizer.encode(chat.text, chat.contentSpans);
}

}  // namespace fathom::inference
