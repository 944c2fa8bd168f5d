// OpenAI's object shapes ("chat.completion", "chat.completion.chunk", "text_completion", "list").
// Model text is dumped with invalid UTF-8 replaced: the streaming detokenizer emits whole
// characters, but a prompt given as token ids can still end a reply mid-character.
#include "app/server/openai_json.h"

#include <nlohmann/json.hpp>

namespace fathom::server {

namespace {

using nlohmann::json;

std::string dump(const json& j)
{
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json usageJson(const Usage& u)
{
    return {{"prompt_tokens", u.promptTokens},
            {"completion_tokens", u.completionTokens},
            {"total_tokens", u.promptTokens + u.completionTokens}};
}

json header(const ResponseIds& ids, bool chunk)
{
    const char* object = ids.endpoint == Endpoint::Chat ? (chunk ? "chat.completion.chunk" : "chat.completion")
                                                        : "text_completion";
    return {{"id", ids.id}, {"object", object}, {"created", ids.created}, {"model", ids.model},
            {"system_fingerprint", "fathom"}};
}

json finish(const std::optional<std::string>& reason)
{
    return reason ? json(*reason) : json(nullptr);
}

}  // namespace

std::string completionResponse(const ResponseIds& ids, const std::string& text, const std::string& finishReason,
                               const Usage& usage)
{
    json r = header(ids, false);
    json choice = {{"index", 0}, {"finish_reason", finishReason}, {"logprobs", nullptr}};
    if (ids.endpoint == Endpoint::Chat)
        choice["message"] = {{"role", "assistant"}, {"content", text}, {"refusal", nullptr}};
    else
        choice["text"] = text;
    r["choices"] = json::array({choice});
    r["usage"] = usageJson(usage);
    return dump(r);
}

std::string streamChunk(const ResponseIds& ids, const std::string& text, bool first,
                        const std::optional<std::string>& finishReason)
{
    json r = header(ids, true);
    json choice = {{"index", 0}, {"finish_reason", finish(finishReason)}, {"logprobs", nullptr}};
    if (ids.endpoint == Endpoint::Chat) {
        json delta = json::object();
        if (first) delta["role"] = "assistant";
        if (!text.empty() || (first && !finishReason)) delta["content"] = text;
        choice["delta"] = delta;
    } else {
        choice["text"] = text;
    }
    r["choices"] = json::array({choice});
    return "data: " + dump(r) + "\n\n";
}

std::string streamUsageChunk(const ResponseIds& ids, const Usage& usage)
{
    json r = header(ids, true);
    r["choices"] = json::array();
    r["usage"] = usageJson(usage);
    return "data: " + dump(r) + "\n\n";
}

std::string streamErrorEvent(const std::string& errorBody)
{
    return "data: " + errorBody + "\n\n";
}

std::string modelObject(const std::string& modelId, std::int64_t created)
{
    return dump({{"id", modelId}, {"object", "model"}, {"created", created}, {"owned_by", "fathom"}});
}

std::string modelList(const std::string& modelId, std::int64_t created)
{
    return dump({{"object", "list"},
                 {"data", json::array({json::parse(modelObject(modelId, created))})}});
}

}  // namespace fathom::server
