// One message in the chat view: who wrote it, branch navigation (‹ 2/3 ›) when it was edited or
// regenerated, an R1-style thinking section folded above the answer, the text, and its stats.
#pragma once

#include "app/services/chat_types.h"
#include "ui/highlight/code_highlighter.h"

#include <QFrame>

class QLabel;
class QPlainTextEdit;
class QToolButton;
class QWidget;

namespace fathom::ui {

class MessageTextView;

class MessageWidget final : public QFrame {
    Q_OBJECT
public:
    MessageWidget(const app::ChatMessage& message, ColorScheme scheme, QWidget* parent = nullptr);

    qint64 messageId() const { return m_message.id; }
    const app::ChatMessage& message() const { return m_message; }
    // Shows a new state of the message (content, status, stats, siblings); re-renders only what changed.
    void setMessage(const app::ChatMessage& message);
    // Streaming: adds text now, renders on the next render() (the chat view batches frames).
    void appendText(const QString& text);
    void render();
    bool needsRender() const { return m_dirty; }
    // chat.show_reasoning: false hides the folded reasoning entirely.
    void setShowReasoning(bool show);

    // For tests and keyboard users.
    MessageTextView* textView() const { return m_text; }
    QToolButton* previousButton() const { return m_previous; }
    QToolButton* nextButton() const { return m_next; }
    QToolButton* regenerateButton() const { return m_regenerate; }
    QToolButton* editButton() const { return m_edit; }
    QToolButton* thinkingToggle() const { return m_thinkingToggle; }
    QWidget* thinkingView() const;
    QLabel* statsLabel() const { return m_stats; }
    QLabel* siblingLabel() const { return m_siblings; }
    void startEditing();
    QPlainTextEdit* editor() const { return m_editor; }
    void submitEdit();

signals:
    void siblingRequested(qint64 messageId, int delta);
    void regenerateRequested(qint64 messageId);
    void editSubmitted(qint64 messageId, const QString& text);
    void linkClicked(const QUrl& url);
    void codeCopied(int index);

private:
    void onLink(const QUrl& url);
    void updateChrome();
    void updateThinkingToggle();
    QString statsText() const;

    app::ChatMessage m_message;
    QString m_raw;    // reasoning and answer as the model wrote them: "<think>…</think>answer"
    ColorScheme m_scheme;
    bool m_dirty = true;
    bool m_showReasoning = true;
    QLabel* m_role = nullptr;
    QToolButton* m_previous = nullptr;
    QLabel* m_siblings = nullptr;
    QToolButton* m_next = nullptr;
    QToolButton* m_copy = nullptr;
    QToolButton* m_edit = nullptr;
    QToolButton* m_regenerate = nullptr;
    QToolButton* m_thinkingToggle = nullptr;
    MessageTextView* m_thinking = nullptr;
    MessageTextView* m_text = nullptr;
    QPlainTextEdit* m_editor = nullptr;
    QWidget* m_editBar = nullptr;
    QLabel* m_stats = nullptr;
    QString m_thinkingSummary;
};

}  // namespace fathom::ui
