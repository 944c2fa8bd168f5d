// The model the server answers for: its id in /v1/models, its tokenizer, chat template and FIM
// tokens, and the translation of a parsed request into the engine's inference::Request (prompt ids,
// sampling, stop strings, priority). Made once at start-up; const and thread-safe afterwards (the
// HTTP threads share it). Qt-free.
#pragma once

#include "app/server/api_request.h"
#include "inference/engine/engine.h"
#include "inference/prompt/chat_format.h"

#include <functional>
#include <memory>
#include <string>

namespace fathom::inference {
class Tokenizer;
}

namespace fathom::server {

class ServedModel final {
public:
    // Reads the folder's (or .gguf's) tokenizer and chat format. Throws fathom::Error naming the file.
    ServedModel(const std::string& modelDir, std::string modelId, std::int64_t contextLength);
    ~ServedModel();

    const std::string& id() const { return m_id; }
    bool hasFim() const { return m_hasFim; }
    std::int64_t contextLength() const { return m_context; }

    // Throw ApiError: 400 model_not_found for another model's name, 400 context_length_exceeded for a
    // prompt that leaves no room to generate, 400 for a suffix on a model without FIM tokens.
    inference::Request build(const ChatCompletionRequest& request) const;
    inference::Request build(const TextCompletionRequest& request) const;
    // True for tokens that end a fill-in-the-middle answer (every special token, as in the editor).
    bool isSpecial(std::int32_t token) const;

private:
    void checkModel(const std::string& requested) const;
    void finish(inference::Request& r, const GenerationFields& f, std::int64_t defaultMaxTokens,
                const char* promptField) const;

    std::unique_ptr<inference::Tokenizer> m_tokenizer;
    inference::ChatFormat m_chat;
    std::string m_id;
    std::int64_t m_context;
    bool m_hasFim = false;
};

}  // namespace fathom::server
