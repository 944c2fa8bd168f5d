// OpenAI's request fields, checked one by one: a wrong type or an impossible value is a 400 that names
// the field (OpenAI's "param"); null counts as absent, as OpenAI treats it; unknown fields are ignored.
#include "app/server/request_parser.h"

#include "app/server/api_error.h"
#include "base/error.h"
#include "inference/model/json_file.h"

#include <cmath>
#include <limits>

namespace fathom::server {

namespace {

using nlohmann::json;

const char* typeName(const json& v)
{
    switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::string: return "a string";
    case json::value_t::array: return "an array";
    case json::value_t::object: return "an object";
    case json::value_t::number_float: return "a float";
    default: return "an integer";
    }
}

json parseBody(std::string_view body)
{
    json doc;
    try {
        doc = inference::parseJsonText(body, "request body", kMaxRequestValues);
    } catch (const Error& e) {
        throw ApiError::badRequest(std::string(e.what()) + " (the body must be one JSON object)", {}, "invalid_json");
    }
    if (!doc.is_object())
        throw ApiError::badRequest(std::string("request body: expected a JSON object, got ") + typeName(doc), {},
                                   "invalid_json");
    return doc;
}

// The field's value, or nullptr when it is absent or null.
const json* field(const json& doc, const char* name)
{
    const auto it = doc.find(name);
    return it == doc.end() || it->is_null() ? nullptr : &*it;
}

[[noreturn]] void wrongType(const char* name, const char* expected, const json& v)
{
    throw ApiError::badRequest(std::string(name) + " must be " + expected + ", got " + typeName(v), name);
}

std::optional<double> number(const json& doc, const char* name, double min, double max)
{
    const json* v = field(doc, name);
    if (!v) return std::nullopt;
    if (!v->is_number()) wrongType(name, "a number", *v);
    const double d = v->get<double>();
    if (!std::isfinite(d) || d < min || d > max)
        throw ApiError::badRequest(std::string(name) + " must be from " + json(min).dump() + " to " + json(max).dump() +
                                       ", got " + v->dump(),
                                   name);
    return d;
}

std::optional<std::int64_t> integer(const json& doc, const char* name, std::int64_t min, std::int64_t max)
{
    const json* v = field(doc, name);
    if (!v) return std::nullopt;
    // 5.0 is accepted as 5 (some clients serialise every number as a float); 5.5 is not.
    if (v->is_number_float()) {
        const double d = v->get<double>();
        if (std::isfinite(d) && d == std::floor(d) && d >= double(min) && d <= double(max)) return std::int64_t(d);
    }
    if (!v->is_number_integer() && !v->is_number_unsigned()) wrongType(name, "an integer", *v);
    // Non-negative integers parse as unsigned: compare them unsigned, so 2^64-1 cannot wrap to -1.
    const bool inRange = v->is_number_unsigned()
                             ? v->get<std::uint64_t>() <= std::uint64_t(max) && (min <= 0 || v->get<std::uint64_t>() >= std::uint64_t(min))
                             : v->get<std::int64_t>() <= max && v->get<std::int64_t>() >= min;
    if (!inRange)
        throw ApiError::badRequest(std::string(name) + " must be an integer from " + std::to_string(min) + " to " +
                                       std::to_string(max) + ", got " + v->dump(),
                                   name);
    return v->is_number_unsigned() ? std::int64_t(v->get<std::uint64_t>()) : v->get<std::int64_t>();
}

bool boolean(const json& doc, const char* name, bool fallback)
{
    const json* v = field(doc, name);
    if (!v) return fallback;
    if (!v->is_boolean()) wrongType(name, "a boolean", *v);
    return v->get<bool>();
}

std::vector<std::string> stopStrings(const json& doc)
{
    const json* v = field(doc, "stop");
    if (!v) return {};
    std::vector<std::string> out;
    auto add = [&](const json& s) {
        if (!s.is_string()) wrongType("stop", "a string or an array of strings", s);
        std::string text = s.get<std::string>();
        if (text.empty()) throw ApiError::badRequest("stop strings must not be empty", "stop");
        if (text.size() > kMaxStopStringBytes)
            throw ApiError::badRequest("stop strings are at most " + std::to_string(kMaxStopStringBytes) + " bytes", "stop");
        out.push_back(std::move(text));
    };
    if (v->is_array()) {
        if (v->size() > kMaxStopStrings)
            throw ApiError::badRequest("stop holds " + std::to_string(v->size()) + " strings; at most " +
                                           std::to_string(kMaxStopStrings) + " are accepted",
                                       "stop");
        for (const json& s : *v) add(s);
    } else {
        add(*v);
    }
    return out;
}

GenerationFields generationFields(const json& doc)
{
    GenerationFields f;
    if (const json* m = field(doc, "model")) {
        if (!m->is_string()) wrongType("model", "a string", *m);
        f.model = m->get<std::string>();
    }
    f.stream = boolean(doc, "stream", false);
    if (const json* so = field(doc, "stream_options")) {
        if (!so->is_object()) wrongType("stream_options", "an object", *so);
        f.includeUsage = boolean(*so, "include_usage", false);
    }
    f.maxTokens = integer(doc, "max_tokens", 1, kMaxTokensLimit);
    if (const auto m = integer(doc, "max_completion_tokens", 1, kMaxTokensLimit)) f.maxTokens = m;
    if (const auto t = number(doc, "temperature", 0, 2)) f.temperature = float(*t);
    if (const auto p = number(doc, "top_p", 0, 1)) {
        if (*p <= 0) throw ApiError::badRequest("top_p must be greater than 0 and at most 1, got 0", "top_p");
        f.topP = float(*p);
    }
    if (const auto s = integer(doc, "seed", std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()))
        f.seed = std::uint64_t(*s);
    if (const auto p = number(doc, "presence_penalty", -2, 2)) f.presencePenalty = float(*p);
    if (const auto p = number(doc, "frequency_penalty", -2, 2)) f.frequencyPenalty = float(*p);
    f.stop = stopStrings(doc);
    if (const auto n = integer(doc, "n", 1, kMaxTokensLimit); n && *n != 1)
        throw ApiError::badRequest("n must be 1: this server returns one choice per request", "n", "unsupported_value");
    return f;
}

// A prompt given as token ids: [1,2,3], each a valid int32 (the engine checks the vocabulary).
std::vector<std::int32_t> tokenIds(const json& array)
{
    std::vector<std::int32_t> ids;
    ids.reserve(array.size());
    for (const json& t : array) {
        if (!t.is_number_integer() || t.get<std::int64_t>() < 0 || t.get<std::int64_t>() > std::numeric_limits<std::int32_t>::max())
            throw ApiError::badRequest("prompt as token ids must hold only integers from 0 to 2147483647, got " + t.dump(),
                                       "prompt");
        ids.push_back(std::int32_t(t.get<std::int64_t>()));
    }
    return ids;
}

}  // namespace

ChatCompletionRequest parseChatCompletionRequest(std::string_view body)
{
    const json doc = parseBody(body);
    ChatCompletionRequest r;
    r.fields = generationFields(doc);
    const json* messages = field(doc, "messages");
    if (!messages) throw ApiError::badRequest("messages is required", "messages");
    if (!messages->is_array()) wrongType("messages", "an array of messages", *messages);
    if (messages->empty()) throw ApiError::badRequest("messages must hold at least one message", "messages");
    try {
        r.messages = inference::parseChatMessages(*messages, "messages");
    } catch (const Error& e) {
        throw ApiError::badRequest(e.what(), "messages");
    }
    return r;
}

TextCompletionRequest parseTextCompletionRequest(std::string_view body)
{
    const json doc = parseBody(body);
    TextCompletionRequest r;
    r.fields = generationFields(doc);
    const json* prompt = field(doc, "prompt");
    if (!prompt) throw ApiError::badRequest("prompt is required", "prompt");
    if (prompt->is_string()) {
        r.prompt = prompt->get<std::string>();
    } else if (prompt->is_array()) {
        // OpenAI's four forms: "text", ["text"], [1,2,3], [[1,2,3]]; a batch of several is not served.
        if (prompt->empty()) throw ApiError::badRequest("prompt must not be an empty array", "prompt");
        const json& first = prompt->front();
        if (first.is_string() || first.is_array()) {
            if (prompt->size() != 1)
                throw ApiError::badRequest("prompt holds " + std::to_string(prompt->size()) +
                                               " prompts; this server completes one prompt per request",
                                           "prompt", "unsupported_value");
            if (first.is_string()) r.prompt = first.get<std::string>();
            else r.promptTokens = tokenIds(first);
        } else {
            r.promptTokens = tokenIds(*prompt);
        }
        if (r.promptTokens.empty() && !first.is_string())
            throw ApiError::badRequest("prompt must not be an empty list of token ids", "prompt");
    } else {
        wrongType("prompt", "a string, an array of strings or an array of token ids", *prompt);
    }
    if (const json* s = field(doc, "suffix")) {
        if (!s->is_string()) wrongType("suffix", "a string", *s);
        r.suffix = s->get<std::string>();
        if (!r.promptTokens.empty())
            throw ApiError::badRequest("suffix needs the prompt as text, not as token ids", "suffix");
    }
    if (boolean(doc, "echo", false))
        throw ApiError::badRequest("echo is not supported by this server", "echo", "unsupported_value");
    return r;
}

}  // namespace fathom::server
