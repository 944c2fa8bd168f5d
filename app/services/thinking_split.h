// R1-style replies open with "<think>…</think>" before the answer; storage keeps the two apart and
// the chat view folds the first. One place decides how raw model text is split.
#pragma once

#include <QString>

namespace fathom::app {

struct ThinkingSplit final {
    QString reasoning;   // inside <think>…</think> (so far, while open)
    QString answer;      // after </think>, or everything when there is no think block
    bool open = false;   // <think> seen, </think> not yet

    static ThinkingSplit split(const QString& raw);
    // The raw form of a stored reply, so stored and streaming replies render the same way.
    static QString join(const QString& reasoning, const QString& answer);
};

}  // namespace fathom::app
