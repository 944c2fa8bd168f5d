// libFuzzer target for the server's request parser (app/server/request_parser.cpp): request bodies
// come from any local process or web page, so every byte is hostile. The input's first byte picks
// the endpoint; the rest is the body. Only ApiError may come out, always a 400 with a JSON body.
#include "app/server/api_error.h"
#include "app/server/request_parser.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0) return 0;
    const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
    try {
        if (data[0] & 1) {
            const auto r = fathom::server::parseTextCompletionRequest(body);
            if (r.fields.stop.size() > fathom::server::kMaxStopStrings) std::abort();
        } else {
            const auto r = fathom::server::parseChatCompletionRequest(body);
            if (r.messages.empty()) std::abort();  // the parser promises at least one
        }
    } catch (const fathom::server::ApiError& e) {
        if (e.status() != 400) std::abort();
        if (!nlohmann::json::accept(e.body())) std::abort();  // the error body is always valid JSON
    }
    return 0;
}
