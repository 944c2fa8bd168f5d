// Turns the text around the editor's cursor into the prompt the loaded model understands: DeepSeek-Coder
// FIM (<｜fim▁begin｜>prefix<｜fim▁hole｜>suffix<｜fim▁end｜>) for models trained for it, else a chat-style
// instruction for Instruct and V3/R1 chat models (docs/ARCHITECTURE.md, "Prompt formats"). Made once per
// loaded model, used on the engine bridge's thread.
#pragma once

#include "app/services/completion_types.h"
#include "inference/engine/engine.h"
#include "inference/engine/model_runner.h"
#include "inference/prompt/chat_format.h"

#include <memory>
#include <string>

namespace fathom::inference {
class Tokenizer;
}

namespace fathom::app {

class CompletionPrompter final {
public:
    enum class Mode { Fim, Chat };

    // Reads the folder's tokenizer.json (+ tokenizer_config.json, config.json). Throws fathom::Error
    // naming the file and the problem.
    static std::unique_ptr<CompletionPrompter> load(const std::string& modelDir);
    // Decides FIM or chat for a model: FIM needs the three FIM tokens in the tokenizer and a model
    // that is not a chat/Instruct tune or a V3/R1 model. `nameOrPath` = folder path + config's
    // _name_or_path (hub cache folders are named by commit hash, so both are searched).
    static Mode chooseMode(const inference::Tokenizer& tokenizer, const std::string& nameOrPath,
                           const std::string& modelType);

    CompletionPrompter(std::unique_ptr<inference::Tokenizer> tokenizer, Mode mode, inference::ChatFormat chat);
    ~CompletionPrompter();

    Mode mode() const { return m_mode; }
    const inference::Tokenizer& tokenizer() const { return *m_tokenizer; }

    // The engine request for `request`: Interactive priority, greedy sampling. Throws fathom::Error.
    inference::Request build(const CompletionRequest& request) const;
    // A streaming detokenizer for the request's tokens (special tokens are left out).
    std::unique_ptr<inference::TokenTextDecoder> makeDecoder() const;

private:
    inference::Request buildFim(const CompletionRequest& request) const;
    inference::Request buildChat(const CompletionRequest& request) const;

    std::unique_ptr<inference::Tokenizer> m_tokenizer;
    Mode m_mode;
    inference::ChatFormat m_chat;
};

}  // namespace fathom::app
