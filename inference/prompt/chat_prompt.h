// Token ids of a chat prompt for the engine: the rendered template encoded like HF's
// tokenizer(apply_chat_template(...), add_special_tokens=False), except that special-token text
// inside message contents stays plain text (a pasted "<｜end▁of▁sentence｜>" cannot end a turn).
#pragma once

#include "inference/prompt/chat_format.h"

#include <cstdint>
#include <vector>

namespace fathom::inference {

class Tokenizer;

std::vector<std::int32_t> encodeChatPrompt(const Tokenizer& tokenizer, const ChatFormat& format,
                                           const std::vector<ChatMessage>& messages, bool addGenerationPrompt);

}  // namespace fathom::inference
