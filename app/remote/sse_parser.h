// Server-sent events framing (the WHATWG "text/event-stream" format) for the remote backend's
// streamed replies. Byte in, events out; nothing about HTTP or JSON, and no Qt, so the libFuzzer
// target (tests/fuzz/sse_fuzz.cpp) builds it alone.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace fathom::app {

struct SseEvent {
    std::string event;  // the "event:" field; empty means "message"
    std::string data;   // the "data:" lines, joined with '\n'
    std::string id;
};

class SseParser final {
public:
    // An event (or a line) longer than this is not a server speaking OpenAI's streaming protocol:
    // the parser stops instead of buffering without bound.
    explicit SseParser(std::size_t maxEventBytes = std::size_t(1) << 20);

    // Appends the events completed by `bytes` to `out`. Returns false once the stream broke the
    // size limit; error() then says how, and later calls add nothing.
    bool feed(std::string_view bytes, std::vector<SseEvent>& out);
    bool failed() const { return !m_error.empty(); }
    const std::string& error() const { return m_error; }
    // True when data arrived that no blank line has completed yet (a stream cut mid-event).
    bool hasPartialEvent() const { return m_hasData || !m_line.empty(); }

private:
    void processLine(std::string_view line, std::vector<SseEvent>& out);

    std::size_t m_max;
    std::string m_line;         // the line being read
    SseEvent m_current;         // the event being read
    bool m_hasData = false;     // m_current got a data field
    bool m_afterCr = false;     // the last byte was '\r': a '\n' right after it belongs to it
    bool m_sawFirstByte = false;  // a UTF-8 byte order mark is only skipped at the very start
    std::string m_error;
};

}  // namespace fathom::app
