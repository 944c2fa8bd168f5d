// Line splitting after the event-stream rules: CRLF, LF and CR all end a line, a line starting with
// ':' is a comment (servers send ": keep-alive" while a request waits), "field: value" loses one
// space after the colon, and a blank line dispatches the event.
#include "app/remote/sse_parser.h"

namespace fathom::app {

SseParser::SseParser(std::size_t maxEventBytes) : m_max(maxEventBytes) {}

bool SseParser::feed(std::string_view bytes, std::vector<SseEvent>& out)
{
    if (failed()) return false;
    std::size_t i = 0;
    if (!m_sawFirstByte && !bytes.empty()) {
        m_sawFirstByte = true;
        if (bytes.starts_with("\xEF\xBB\xBF")) i = 3;
    }
    while (i < bytes.size()) {
        const char c = bytes[i++];
        if (m_afterCr) {
            m_afterCr = false;
            if (c == '\n') continue;  // the second half of a CRLF that a chunk boundary split
        }
        if (c == '\r' || c == '\n') {
            m_afterCr = c == '\r';
            processLine(m_line, out);
            m_line.clear();
            if (failed()) return false;
            continue;
        }
        m_line.push_back(c);
        if (m_line.size() + m_current.data.size() > m_max) {
            m_error = "an event is longer than " + std::to_string(m_max) + " bytes";
            return false;
        }
    }
    return true;
}

void SseParser::processLine(std::string_view line, std::vector<SseEvent>& out)
{
    if (line.empty()) {
        if (m_hasData) out.push_back(std::move(m_current));
        m_current = {};
        m_hasData = false;
        return;
    }
    if (line.front() == ':') return;
    const std::size_t colon = line.find(':');
    const std::string_view field = line.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
    if (value.starts_with(' ')) value.remove_prefix(1);
    if (field == "data") {
        if (m_hasData) m_current.data.push_back('\n');
        m_current.data.append(value);
        m_hasData = true;
        if (m_current.data.size() > m_max) m_error = "an event is longer than " + std::to_string(m_max) + " bytes";
    } else if (field == "event") {
        m_current.event.assign(value);
    } else if (field == "id") {
        if (value.find('\0') == std::string_view::npos) m_current.id.assign(value);
    }
    // "retry" and unknown fields are ignored, as the format asks.
}

}  // namespace fathom::app
