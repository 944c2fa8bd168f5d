// FIM prompts (policy in fim_request_policy.h) and the chat-style fallback for models that were not
// trained to fill in the middle.
#include "app/services/completion_prompter.h"

#include "app/services/fim_request_policy.h"
#include "inference/model/json_file.h"
#include "inference/prompt/format_detect.h"
#include "inference/tokenizer/stream_decoder.h"
#include "inference/tokenizer/tokenizer.h"
#include "base/error.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace fathom::app {

namespace {

// The engine's decoder interface over the tokenizer's streaming decoder.
class StreamTextDecoder final : public inference::TokenTextDecoder {
public:
    explicit StreamTextDecoder(const inference::Tokenizer& tokenizer) : m_decoder(tokenizer, /*skipSpecial=*/true) {}
    std::string next(std::int32_t token) override { return m_decoder.push(token); }

private:
    inference::StreamDecoder m_decoder;
};

std::string lower(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

int countTokens(const inference::Tokenizer& tok, std::string_view text)
{
    return int(tok.encode(text, /*matchAddedTokens=*/false).size());
}

// The end of `text` (whole lines where possible) that fits in `limit` tokens.
std::string keepLastTokens(const inference::Tokenizer& tok, const std::string& text, int limit)
{
    std::size_t cut = text.size() > std::size_t(limit) * 8 ? text.size() - std::size_t(limit) * 8 : 0;
    while (cut < text.size() && countTokens(tok, std::string_view(text).substr(cut)) > limit) {
        const std::size_t nl = text.find('\n', cut);
        cut = nl == std::string::npos ? text.size() : nl + 1;
    }
    return text.substr(cut);
}

// The start of `text` (whole lines where possible) that fits in `limit` tokens.
std::string keepFirstTokens(const inference::Tokenizer& tok, const std::string& text, int limit)
{
    std::size_t keep = std::min(text.size(), std::size_t(limit) * 8);
    while (keep > 0 && countTokens(tok, std::string_view(text).substr(0, keep)) > limit) {
        const std::size_t nl = keep >= 2 ? text.rfind('\n', keep - 2) : std::string::npos;
        keep = nl == std::string::npos ? 0 : nl + 1;
    }
    return text.substr(0, keep);
}

}  // namespace

CompletionPrompter::CompletionPrompter(std::unique_ptr<inference::Tokenizer> tokenizer, Mode mode, inference::ChatFormat chat)
    : m_tokenizer(std::move(tokenizer)), m_mode(mode), m_chat(std::move(chat))
{
}

CompletionPrompter::~CompletionPrompter() = default;

CompletionPrompter::Mode CompletionPrompter::chooseMode(const inference::Tokenizer& tokenizer, const std::string& nameOrPath,
                                                        const std::string& modelType)
{
    for (const char* t : {"<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>"})
        if (!tokenizer.tokenId(t))
            return Mode::Chat;
    // Instruct/Chat tunes and the 236B/V3/R1 chat models were not trained for FIM
    // (docs/ARCHITECTURE.md, 'Prompt formats').
    const std::string name = lower(nameOrPath);
    if (name.find("instruct") != std::string::npos || name.find("chat") != std::string::npos ||
        name.find("-r1") != std::string::npos || modelType == "deepseek_v3")
        return Mode::Chat;
    return Mode::Fim;
}

std::unique_ptr<CompletionPrompter> CompletionPrompter::load(const std::string& modelDir)
{
    auto tokenizer = inference::Tokenizer::load(modelDir);
    std::string modelType, nameOrPath = modelDir;
    const std::string configPath = modelDir + "/config.json";
    if (std::filesystem::exists(configPath)) {
        const nlohmann::json config = inference::readJsonFile(configPath, 1 << 20, 100000);
        if (config.is_object()) {
            if (config.contains("model_type") && config["model_type"].is_string())
                modelType = config["model_type"].get<std::string>();
            if (config.contains("_name_or_path") && config["_name_or_path"].is_string())
                nameOrPath += " " + config["_name_or_path"].get<std::string>();
        }
    }
    const Mode mode = chooseMode(*tokenizer, nameOrPath, modelType);
    inference::ChatFormat chat = inference::chatFormatByName(modelType == "deepseek_v3" ? "deepseek-v3" : "deepseek-v2");
    if (mode == Mode::Chat) {
        try {
            chat = inference::detectChatFormat(modelDir).format;
        } catch (const Error&) {
            // No chat template and no model type that decides: keep the family's default above.
        }
    }
    return std::make_unique<CompletionPrompter>(std::move(tokenizer), mode, chat);
}

inference::Request CompletionPrompter::build(const CompletionRequest& request) const
{
    if (request.maxTokens < 1 || request.promptBudget < 16 || request.suffixBudget < 0)
        throwUserError("completion limits out of range: at least 1 token to generate and a 16-token prompt budget");
    inference::Request r = m_mode == Mode::Fim ? buildFim(request) : buildChat(request);
    r.maxTokens = request.maxTokens;
    r.priority = inference::Priority::Interactive;
    r.sampling.temperature = 0;  // completions should not change between two identical requests
    return r;
}

inference::Request CompletionPrompter::buildFim(const CompletionRequest& request) const
{
    const std::string prefix = request.prefix.toStdString(), suffix = request.suffix.toStdString();
    FimPolicyInput in;
    in.prefix = prefix;
    in.suffix = suffix;
    in.prefixFirstLine = request.prefixFirstLine;
    in.promptBudget = request.promptBudget;
    in.suffixBudget = request.suffixBudget;
    inference::Request r;
    r.promptTokens = buildFimPromptIds(*m_tokenizer, in);
    return r;
}

inference::Request CompletionPrompter::buildChat(const CompletionRequest& request) const
{
    const std::string language = request.language.isEmpty() ? std::string("source") : request.language.toStdString();
    const std::string head = "Complete the " + language + " code at <CURSOR>. Reply with only the code that goes at "
                             "<CURSOR>, without explanations and without a code fence.\n\n";
    const int textBudget = std::max(8, request.promptBudget - 64 - countTokens(*m_tokenizer, head));
    const int suffixBudget = std::min(request.suffixBudget, textBudget / 4);
    const std::string suffix = keepFirstTokens(*m_tokenizer, request.suffix.toStdString(), suffixBudget);
    const std::string prefix = keepLastTokens(*m_tokenizer, request.prefix.toStdString(),
                                              textBudget - countTokens(*m_tokenizer, suffix));
    inference::ChatMessage user;
    user.role = "user";
    user.content = head + prefix + "<CURSOR>" + suffix;
    inference::Request r;
    r.promptTokens = m_tokenizer->encode(inference::renderChat(m_chat, {user}, /*addGenerationPrompt=*/true));
    return r;
}

std::unique_ptr<inference::TokenTextDecoder> CompletionPrompter::makeDecoder() const
{
    return std::make_unique<StreamTextDecoder>(*m_tokenizer);
}

}  // namespace fathom::app
