// StopMatcher: the held-back part is the longest suffix that is a proper prefix of some stop string.
#include "inference/engine/stop_matcher.h"

#include <algorithm>

namespace fathom::inference {

StopMatcher::StopMatcher(std::vector<std::string> stops)
{
    for (std::string& s : stops)
        if (!s.empty())
            m_stops.push_back(std::move(s));
}

std::string StopMatcher::push(const std::string& text, bool& stopped)
{
    stopped = false;
    m_pending += text;
    std::size_t first = std::string::npos;
    for (const std::string& s : m_stops)
        first = std::min(first, m_pending.find(s));
    if (first != std::string::npos) {
        stopped = true;
        std::string out = m_pending.substr(0, first);
        m_pending.clear();
        return out;
    }
    std::size_t hold = 0;
    for (const std::string& s : m_stops)
        for (std::size_t len = std::min(s.size() - 1, m_pending.size()); len > hold; --len)
            if (m_pending.compare(m_pending.size() - len, len, s, 0, len) == 0) {
                hold = len;
                break;
            }
    std::string out = m_pending.substr(0, m_pending.size() - hold);
    m_pending.erase(0, m_pending.size() - hold);
    return out;
}

std::string StopMatcher::flush()
{
    std::string out;
    out.swap(m_pending);
    return out;
}

}  // namespace fathom::inference
