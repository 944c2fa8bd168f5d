// Turns a conversation into the token ids the engine is given (tokenizer + the model's chat
// template). Made per loaded model; runs on the engine bridge's thread, never on the GUI thread.
#pragma once

#include "app/services/chat_types.h"

#include <cstdint>
#include <string>
#include <vector>

namespace fathom::app {

class PromptEncoder {
public:
    virtual ~PromptEncoder() = default;
    // The prompt for the next assistant turn after `turns` (oldest first), ending with the
    // template's generation prompt. Throws fathom::Error on text the tokenizer rejects.
    virtual std::vector<std::int32_t> encode(const QList<ChatMessage>& turns, const QString& systemPrompt) const = 0;
    // Strings that end a turn for this template (besides the EOS token the engine stops on).
    virtual std::vector<std::string> stopStrings() const { return {}; }
    // Text the template's generation prompt already opened the reply with ("<think>\n" for R1
    // templates that force thinking), so the shown reply starts the same way.
    virtual std::string replyPrefix() const { return {}; }

};

}  // namespace fathom::app
