// The two generation requests the server accepts, as parsed from OpenAI's JSON by request_parser.h:
// only the fields Fathom acts on; everything else a client sends is ignored. Qt-free.
#pragma once

#include "inference/prompt/chat_message.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fathom::server {

// Fields /v1/chat/completions and /v1/completions share. Absent means "the server's default".
struct GenerationFields {
    std::string model;                   // "" when the client sent none (editor plugins often do not)
    bool stream = false;
    bool includeUsage = false;           // stream_options.include_usage: usage in the last chunk
    std::optional<std::int64_t> maxTokens;  // max_tokens or max_completion_tokens
    float temperature = 1.0f;            // OpenAI's default; 0 = greedy
    float topP = 1.0f;
    std::optional<std::uint64_t> seed;   // absent: a fresh seed per request
    float presencePenalty = 0.0f;
    float frequencyPenalty = 0.0f;
    std::vector<std::string> stop;       // at most kMaxStopStrings, none empty
};

struct ChatCompletionRequest {
    GenerationFields fields;
    std::vector<inference::ChatMessage> messages;  // at least one
};

// /v1/completions: a raw continuation of `prompt`, or with `suffix` a fill-in-the-middle request
// (what editor plugins send: prefix = prompt, suffix = the text after the cursor).
struct TextCompletionRequest {
    GenerationFields fields;
    std::string prompt;                      // when promptTokens is empty
    std::vector<std::int32_t> promptTokens;  // a prompt given as token ids, used exactly
    std::optional<std::string> suffix;
};

}  // namespace fathom::server
