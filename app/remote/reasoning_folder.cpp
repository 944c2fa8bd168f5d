// Tags are written in the same text as the delta they come with, so the chat session still counts
// one token per delta.
#include "app/remote/reasoning_folder.h"

#include "app/services/thinking_split.h"

namespace fathom::app {

QString ReasoningFolder::add(const QString& reasoning, const QString& content)
{
    if (m_mode == Mode::AnswerOnly) return addAnswerOnly(content);
    QString out;
    // Reasoning after the answer has begun has no place in an R1-shaped reply (one think block,
    // then the answer); no server sends it, and it is dropped rather than shown as answer.
    if (!reasoning.isEmpty() && !m_answerBegun) {
        if (!m_inReasoning) out += QStringLiteral("<think>\n");
        m_inReasoning = true;
        out += reasoning;
    }
    if (!content.isEmpty()) {
        if (m_inReasoning) out += QStringLiteral("\n</think>\n\n");
        m_inReasoning = false;
        m_answerBegun = true;
        out += content;
    }
    return out;
}

QString ReasoningFolder::finish()
{
    if (m_mode == Mode::AnswerOnly || !m_inReasoning) return {};
    m_inReasoning = false;
    return QStringLiteral("\n</think>\n\n");
}

QString ReasoningFolder::addAnswerOnly(const QString& content)
{
    m_content += content;
    const ThinkingSplit split = ThinkingSplit::split(m_content);
    if (split.open) return {};   // still thinking: nothing for the editor yet
    // The answer only grows at its end (trimming removes at most trailing blanks sent later).
    const QString answer = split.answer;
    if (answer.size() <= m_sent) return {};
    const QString out = answer.mid(m_sent);
    m_sent = answer.size();
    return out;
}

}  // namespace fathom::app
