// Renders the conversation with the model's own chat template, then tokenizes the whole prompt
// (special tokens such as <｜begin▁of▁sentence｜> match as themselves).
#include "app/services/tokenizer_prompt_encoder.h"

#include "inference/prompt/format_detect.h"
#include "inference/tokenizer/stream_decoder.h"

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
    const std::string prompt = inference::renderChat(m_format, messages, true);
    return m_tokenizer->encode(prompt, true);
}

std::string TokenizerPromptEncoder::replyPrefix() const
{
    return m_format.thinkPrefix ? "<think>\n" : std::string();
}

PromptEncoder::TokenDecoder TokenizerPromptEncoder::makeDecoder() const
{
    auto decoder = std::make_shared<inference::StreamDecoder>(*m_tokenizer, true);
    // The lambda keeps the tokenizer alive as long as the decoder that refers to it.
    return [tokenizer = m_tokenizer, decoder](std::int32_t id) { return decoder->push(id); };
}

}  // namespace fathom::app
