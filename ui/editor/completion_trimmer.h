// Where a streamed completion should end, decided on the text alone: at a blank line or at a line
// that dedents below the cursor's block (a single-block suggestion), and at a closing code fence
// when a chat-style model wraps its answer in one. Pure functions, tested on their own.
#pragma once

#include <QString>

namespace fathom::ui {

struct CompletionTrimmer final {
    struct Result {
        QString text;       // what to show
        bool stop = false;  // the rest of the generation is not wanted: cancel the request
    };
    // `generated`: everything the model wrote so far; `linePrefix`: the cursor line left of the
    // cursor; `stripFences`: drop a leading ``` line and stop at a closing one (not for Markdown).
    static Result trim(const QString& generated, const QString& linePrefix, bool stripFences);
    // Indentation width in columns (a tab counts 4) of `line`.
    static int indentWidth(const QString& line);
};

}  // namespace fathom::ui
