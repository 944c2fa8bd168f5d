// Prompts as the app builds them: chat through the model's own template (encodeChatPrompt keeps
// special-token text inside messages literal), raw completions like `fathom-cli generate --prompt`
// (BOS only when tokenizer_config.json asks for it), fill-in-the-middle through the editor's
// FimRequestPolicy (app/services/fim_request_policy.h), Interactive priority so it goes first.
#include "app/server/served_model.h"

#include "app/server/api_error.h"
#include "app/services/fim_request_policy.h"
#include "base/error.h"
#include "inference/prompt/chat_prompt.h"
#include "inference/prompt/format_detect.h"
#include "inference/tokenizer/tokenizer.h"

#include <algorithm>
#include <mutex>
#include <random>

namespace fathom::server {

namespace {

// A fresh seed for requests that name none, so two identical sampled requests differ as with OpenAI.
std::uint64_t freshSeed()
{
    static std::mutex mutex;
    static std::mt19937_64 rng{std::random_device{}()};
    std::lock_guard lock(mutex);
    return rng();
}

}  // namespace

ServedModel::ServedModel(const std::string& modelDir, std::string modelId, std::int64_t contextLength)
    : m_tokenizer(inference::Tokenizer::load(modelDir)), m_id(std::move(modelId)), m_context(contextLength)
{
    try {
        m_chat = inference::detectChatFormat(modelDir).format;
    } catch (const Error&) {
        // Neither a chat template nor a model type decides (a base model): DeepSeek-V2's plain
        // "User: / Assistant:" form, which the Coder base models follow best.
        m_chat = inference::chatFormatByName("deepseek-v2");
    }
    m_hasFim = true;
    for (const char* t : {"<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>"})
        if (!m_tokenizer->tokenId(t)) m_hasFim = false;
}

ServedModel::~ServedModel() = default;

bool ServedModel::isSpecial(std::int32_t token) const
{
    return m_tokenizer->isSpecial(token);
}

void ServedModel::checkModel(const std::string& requested) const
{
    if (!requested.empty() && requested != m_id)
        throw ApiError::badRequest("The model '" + requested + "' is not served here; this server serves '" + m_id +
                                       "' (GET /v1/models)",
                                   "model", "model_not_found");
}

void ServedModel::finish(inference::Request& r, const GenerationFields& f, std::int64_t defaultMaxTokens,
                         const char* promptField) const
{
    const std::int64_t prompt = std::int64_t(r.promptTokens.size());
    if (prompt == 0) throw ApiError::badRequest("the prompt is empty", promptField);
    if (prompt >= m_context)
        throw ApiError::badRequest("This model's context holds " + std::to_string(m_context) + " tokens, but the prompt has " +
                                       std::to_string(prompt) + " tokens; shorten it (or start the server with a larger --context)",
                                   promptField, "context_length_exceeded");
    // The engine stops at the end of the context anyway (finish_reason "length"); asking for more is
    // not an error, as with OpenAI's max_tokens on older models.
    const std::int64_t room = m_context - prompt;
    r.maxTokens = int(std::min(f.maxTokens.value_or(defaultMaxTokens), room));
    r.sampling.temperature = f.temperature;
    r.sampling.topP = f.topP;
    r.sampling.presencePenalty = f.presencePenalty;
    r.sampling.frequencyPenalty = f.frequencyPenalty;
    r.sampling.seed = f.seed ? *f.seed : freshSeed();
    r.stopStrings = f.stop;
}

inference::Request ServedModel::build(const ChatCompletionRequest& request) const
{
    checkModel(request.fields.model);
    inference::Request r;
    try {
        r.promptTokens = inference::encodeChatPrompt(*m_tokenizer, m_chat, request.messages, /*addGenerationPrompt=*/true);
    } catch (const Error& e) {
        throw ApiError::badRequest(e.what(), "messages");
    }
    r.priority = inference::Priority::Normal;
    finish(r, request.fields, m_context, "messages");
    return r;
}

inference::Request ServedModel::build(const TextCompletionRequest& request) const
{
    checkModel(request.fields.model);
    inference::Request r;
    // OpenAI's default for /v1/completions is 16 tokens.
    constexpr std::int64_t kDefaultCompletionTokens = 16;
    try {
        if (request.suffix) {
            if (!m_hasFim)
                throw ApiError::badRequest("suffix needs a model trained for fill-in-the-middle; '" + m_id +
                                               "' has no FIM tokens (serve a Coder base model)",
                                           "suffix", "unsupported_value");
            // The whole context minus the answer's room, as the editor's policy would spend it.
            const std::int64_t answer = std::min(request.fields.maxTokens.value_or(kDefaultCompletionTokens), m_context / 2);
            app::FimPolicyInput in;
            in.prefix = request.prompt;
            in.suffix = *request.suffix;
            in.promptBudget = int(std::max<std::int64_t>(16, m_context - answer));
            in.suffixBudget = in.promptBudget / 4;
            r.promptTokens = app::buildFimPromptIds(*m_tokenizer, in);
            r.priority = inference::Priority::Interactive;
        } else {
            if (!request.promptTokens.empty()) {
                r.promptTokens = request.promptTokens;
            } else {
                if (m_tokenizer->addBosToken() && m_tokenizer->bosId()) r.promptTokens.push_back(*m_tokenizer->bosId());
                const std::vector<std::int32_t> ids = m_tokenizer->encode(request.prompt);
                r.promptTokens.insert(r.promptTokens.end(), ids.begin(), ids.end());
            }
            r.priority = inference::Priority::Normal;
        }
    } catch (const Error& e) {
        throw ApiError::badRequest(e.what(), "prompt");
    }
    finish(r, request.fields, kDefaultCompletionTokens, "prompt");
    return r;
}

}  // namespace fathom::server
