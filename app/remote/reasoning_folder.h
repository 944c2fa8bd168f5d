// Turns a remote reply's two streams (reasoning deltas and answer deltas) into the one raw text a
// local R1 model writes: "<think>\nreasoning\n</think>\n\nanswer". The chat session then splits,
// shows and stores it exactly as it does local output (ThinkingSplit). A server without a reasoning
// parser sends the <think> tags inline in the content, which passes through unchanged.
// For editor completions (Mode::AnswerOnly) the reasoning is dropped, inline or not.
#pragma once

#include <QString>

namespace fathom::app {

class ReasoningFolder final {
public:
    enum class Mode { Fold, AnswerOnly };
    explicit ReasoningFolder(Mode mode = Mode::Fold) : m_mode(mode) {}

    // The raw text one delta adds (may be empty).
    QString add(const QString& reasoning, const QString& content);
    // What closes the reply when the stream ends: "</think>" for reasoning that never reached an
    // answer, so the stored reasoning is complete.
    QString finish();

private:
    QString addAnswerOnly(const QString& content);

    Mode m_mode;
    bool m_inReasoning = false;   // a <think> block this folder opened is open
    bool m_answerBegun = false;   // answer text has been sent
    QString m_content;            // AnswerOnly: all content so far
    qsizetype m_sent = 0;         // AnswerOnly: answer characters already returned
};

}  // namespace fathom::app
