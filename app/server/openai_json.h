// The response bodies and stream chunks of the OpenAI API, built in one place so the streamed and the
// whole answers cannot drift apart (tests/server/request_parser_test.cpp pins their shapes). Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace fathom::server {

enum class Endpoint { Chat, Text };  // /v1/chat/completions, /v1/completions

struct Usage {
    std::int64_t promptTokens = 0;
    std::int64_t completionTokens = 0;
};

// What every chunk and response of one request repeats.
struct ResponseIds {
    Endpoint endpoint = Endpoint::Chat;
    std::string id;        // "chatcmpl-…" / "cmpl-…"
    std::int64_t created = 0;  // unix seconds
    std::string model;
};

// A whole (stream: false) response; finishReason "stop" or "length".
std::string completionResponse(const ResponseIds& ids, const std::string& text, const std::string& finishReason,
                               const Usage& usage);
// One SSE event "data: {...}\n\n". Chat: the first chunk carries role "assistant"; text pieces a
// delta; the last one an empty delta and the finish reason. With usage: the extra final chunk
// OpenAI sends for stream_options.include_usage (empty choices).
std::string streamChunk(const ResponseIds& ids, const std::string& text, bool first,
                        const std::optional<std::string>& finishReason);
std::string streamUsageChunk(const ResponseIds& ids, const Usage& usage);
std::string streamErrorEvent(const std::string& errorBody);
inline constexpr const char* kStreamDone = "data: [DONE]\n\n";

// GET /v1/models: the one served model.
std::string modelList(const std::string& modelId, std::int64_t created);
std::string modelObject(const std::string& modelId, std::int64_t created);

}  // namespace fathom::server
