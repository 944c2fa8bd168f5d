// Renders the conversation with the model's own chat template and encodes it with the engine's
// encodeChatPrompt: template tokens are special, text inside messages never is (a pasted
// "<｜end▁of▁sentence｜>" stays plain text).
#include "app/services/tokenizer_prompt_encoder.h"

#include "inference/prompt/format_detect.h"
#include "inference/prompt/chat_prompt.h"

namespace fathom::app {

TokenizerPromptEncoder::TokenizerPromptEncoder(const QString& modelFolder)
    : m_tokenizer(inference::Tokenizer::load(modelFolder.toStdString())),
      m_format(inference::detectChatFormat(modelFolder.toStdString()).format)
{
}

std::vector<std::int32_t> TokenizerPromptEncoder::encode(const QList<ChatMessage>& turns, const QString& systemPrompt) const
{
    std::vector<inference::ChatMessage> messages;
    if (!systemPrompt.trimmed().isEmpty()) messages.push_back({"system", systemPrompt.toStdString(), {}});
    for (const ChatMessage& m : turns) {
        if (m.role == Role::System) continue;
        // Earlier replies go back as their answer only: reasoning is never fed back (R1's template
        // drops it too), and a stopped or failed reply still counts as what the model said.
        messages.push_back({m.role == Role::User ? "user" : "assistant", m.content.toStdString(), {}});
    }
    return inference::encodeChatPrompt(*m_tokenizer, m_format, messages, true);
}

std::string TokenizerPromptEncoder::replyPrefix() const
{
    return m_format.thinkPrefix ? "<think>\n" : std::string();
}

}  // namespace fathom::app
