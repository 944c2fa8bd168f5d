// Delegates to the engine's splitThinking (the one parser of <think> blocks), adding what a live
// view needs: a "<think>" still arriving ("<thi") is held back instead of flashing as answer text.
#include "app/services/thinking_split.h"

#include "inference/prompt/thinking.h"

namespace fathom::app {

namespace {
const QString kOpen = QStringLiteral("<think>");
const QString kClose = QStringLiteral("</think>");
}  // namespace

ThinkingSplit ThinkingSplit::split(const QString& raw)
{
    ThinkingSplit out;
    const QStringView start = QStringView(raw).trimmed();
    if (!start.isEmpty() && start.size() < kOpen.size() && kOpen.startsWith(start)) {
        out.open = true;
        return out;
    }
    // A server whose chat template opened "<think>" in the prompt (R1 without a reasoning parser)
    // sends only the closing tag; what comes before it is the reasoning.
    const bool closeOnly = !start.startsWith(kOpen) && raw.contains(kClose);
    const inference::ThinkingSplit s = inference::splitThinking(raw.toStdString(), closeOnly);
    out.reasoning = QString::fromStdString(s.thinking).trimmed();
    out.answer = QString::fromStdString(s.answer);
    if (s.hasThinking) out.answer = out.answer.trimmed();
    out.open = s.thinkingOpen;
    return out;
}

QString ThinkingSplit::join(const QString& reasoning, const QString& answer)
{
    if (reasoning.isEmpty()) return answer;
    return kOpen + reasoning + kClose + QStringLiteral("\n\n") + answer;
}

}  // namespace fathom::app
