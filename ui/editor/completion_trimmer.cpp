// Stop rules for single-block suggestions. A line is judged only once it shows enough: a blank line
// once its line break arrived, a dedent once its first non-space character did.
#include "ui/editor/completion_trimmer.h"

namespace fathom::ui {

int CompletionTrimmer::indentWidth(const QString& line)
{
    int width = 0;
    for (const QChar c : line) {
        if (c == u' ') width += 1;
        else if (c == u'\t') width += 4;
        else break;
    }
    return width;
}

CompletionTrimmer::Result CompletionTrimmer::trim(const QString& generated, const QString& linePrefix, bool stripFences)
{
    Result out;
    QString s = generated;
    if (stripFences && s.startsWith(QLatin1String("```"))) {
        const int nl = s.indexOf(u'\n');
        if (nl < 0) return out;  // the fence line itself is still arriving
        s = s.mid(nl + 1);
    }
    if (stripFences) {
        const int fence = s.startsWith(QLatin1String("```")) ? 0 : s.indexOf(QLatin1String("\n```"));
        if (fence >= 0) {
            out.text = s.left(fence);
            out.stop = true;
            return out;
        }
    }
    const int blockIndent = indentWidth(linePrefix);
    // Line 0 continues the cursor line; every later line starts after a '\n' at `start - 1`.
    int start = s.indexOf(u'\n');
    bool seenContent = !s.left(start < 0 ? s.size() : start).trimmed().isEmpty();
    while (start >= 0) {
        ++start;
        const int end = s.indexOf(u'\n', start);
        const QString line = s.mid(start, end < 0 ? -1 : end - start);
        const bool blank = line.trimmed().isEmpty();
        if (blank && end >= 0 && seenContent) {  // a finished blank line after some code: the block ended
            out.text = s.left(start - 1);
            out.stop = true;
            return out;
        }
        if (!blank && indentWidth(line) < blockIndent) {  // dedent below the cursor's block
            out.text = s.left(start - 1);
            out.stop = true;
            return out;
        }
        seenContent = seenContent || !blank;
        start = end;
    }
    out.text = s;
    return out;
}

}  // namespace fathom::ui
