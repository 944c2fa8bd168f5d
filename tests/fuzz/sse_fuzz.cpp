// libFuzzer target for the remote backend's event-stream parser (app/remote/sse_parser.cpp): bytes
// from a remote server, fed in pieces whose sizes the input's first byte picks, so splits at every
// position (a CRLF across two reads, a BOM cut in half) are explored.
#include "app/remote/sse_parser.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0) return 0;
    const std::size_t piece = std::size_t(data[0] % 17) + 1;
    fathom::app::SseParser parser(4096);
    std::vector<fathom::app::SseEvent> events;
    const char* text = reinterpret_cast<const char*>(data + 1);
    const std::size_t n = size - 1;
    for (std::size_t i = 0; i < n; i += piece) {
        const bool ok = parser.feed(std::string_view(text + i, std::min(piece, n - i)), events);
        if (ok == parser.failed()) std::abort();  // feed's answer and failed() must agree
    }
    for (const fathom::app::SseEvent& e : events)
        if (e.data.size() > 4096) std::abort();  // the limit holds for every event handed out
    return 0;
}
