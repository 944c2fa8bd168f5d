// PromptEncoder for a hub model folder: its tokenizer.json and the chat format detected from its
// tokenizer_config.json / config.json (deepseek-v2, deepseek-v3, deepseek-r1). Replies are
// detokenized by the engine (Engine::load reads the same tokenizer.json).
#pragma once

#include "app/services/prompt_encoder.h"
#include "inference/prompt/chat_format.h"
#include "inference/tokenizer/tokenizer.h"

#include <QString>

#include <memory>

namespace fathom::app {

class TokenizerPromptEncoder final : public PromptEncoder {
public:
    // Throws fathom::Error naming the folder's file and the problem.
    explicit TokenizerPromptEncoder(const QString& modelFolder);

    std::vector<std::int32_t> encode(const QList<ChatMessage>& turns, const QString& systemPrompt) const override;
    std::string replyPrefix() const override;
    const inference::ChatFormat& format() const { return m_format; }

private:
    std::unique_ptr<const inference::Tokenizer> m_tokenizer;
    inference::ChatFormat m_format;
};

}  // namespace fathom::app
