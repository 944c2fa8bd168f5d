// Stop strings over streamed text: releases text as soon as it cannot be the start of a stop string,
// holds back a possible partial match, and reports a match with the text before it.
#pragma once

#include <string>
#include <vector>

namespace fathom::inference {

class StopMatcher final {
public:
    explicit StopMatcher(std::vector<std::string> stops);  // empty strings are ignored

    // Adds newly decoded text; returns what may be shown now. Sets `stopped` when a stop string
    // occurred: the returned text then ends right before it and nothing more should be fed.
    std::string push(const std::string& text, bool& stopped);
    // At the end of generation: whatever was held back.
    std::string flush();

private:
    std::vector<std::string> m_stops;
    std::string m_pending;
};

}  // namespace fathom::inference
