// Request bodies of the OpenAI-compatible server -> api_request.h structs. Pure (no engine, no
// network), so it is unit-tested (tests/server/request_parser_test.cpp) and fuzzed
// (tests/fuzz/server_request_fuzz.cpp). The body is parsed under a value-count and nesting cap,
// like every other JSON Fathom reads; the HTTP layer caps its size first.
#pragma once

#include "app/server/api_request.h"

#include <cstddef>
#include <string_view>

namespace fathom::server {

inline constexpr std::size_t kMaxRequestBytes = 8u << 20;     // the HTTP layer's body limit (413 above)
inline constexpr std::size_t kMaxRequestValues = 200'000;     // JSON values in one body (~100 B of DOM each)
inline constexpr std::size_t kMaxStopStrings = 16;            // OpenAI allows 4
inline constexpr std::size_t kMaxStopStringBytes = 1024;
inline constexpr std::int64_t kMaxTokensLimit = 1 << 24;      // larger max_tokens are refused, not wrapped

// Throw ApiError 400 ("invalid_json", or naming the field: type "invalid_request_error").
ChatCompletionRequest parseChatCompletionRequest(std::string_view body);
TextCompletionRequest parseTextCompletionRequest(std::string_view body);

}  // namespace fathom::server
