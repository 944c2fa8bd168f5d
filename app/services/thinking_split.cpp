// Only a think block at the very start counts: "<think>" later in an answer is ordinary text.
#include "app/services/thinking_split.h"

namespace fathom::app {

namespace {
const QString kOpen = QStringLiteral("<think>");
const QString kClose = QStringLiteral("</think>");
}  // namespace

ThinkingSplit ThinkingSplit::split(const QString& raw)
{
    ThinkingSplit out;
    qsizetype i = 0;
    while (i < raw.size() && raw[i].isSpace()) ++i;
    if (!QStringView(raw).mid(i).startsWith(kOpen)) {
        // A think block still arriving ("<thi") is not shown as answer text yet.
        if (kOpen.startsWith(QStringView(raw).mid(i)) && i < raw.size()) out.open = true;
        else out.answer = raw;
        return out;
    }
    const qsizetype start = i + kOpen.size();
    const qsizetype end = raw.indexOf(kClose, start);
    if (end < 0) {
        out.reasoning = raw.mid(start).trimmed();
        out.open = true;
        return out;
    }
    out.reasoning = raw.mid(start, end - start).trimmed();
    out.answer = raw.mid(end + kClose.size()).trimmed();
    return out;
}

QString ThinkingSplit::join(const QString& reasoning, const QString& answer)
{
    if (reasoning.isEmpty()) return answer;
    return kOpen + reasoning + kClose + QStringLiteral("\n\n") + answer;
}

}  // namespace fathom::app
