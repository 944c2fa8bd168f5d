// A byte range of a text, shared by the tokenizer (pre-token pieces) and the prompt code (where
// message contents sit in a rendered prompt).
#pragma once

#include <cstddef>

namespace fathom::inference {

// [begin, end) in bytes.
struct Span {
    std::size_t begin = 0;
    std::size_t end = 0;
};

}  // namespace fathom::inference
