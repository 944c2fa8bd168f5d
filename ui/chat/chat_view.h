// The conversation pane: the shown branch of the open conversation as a column of MessageWidgets.
// Streaming text is batched into at most one render per frame (~30 Hz), only the changing message
// re-renders, and the view stays pinned to the bottom unless the reader scrolled up. Messages are
// placed by hand (no QLayout over hundreds of widgets) and only those near the viewport are shown,
// so a growing reply costs the same in a 2-message chat as in a 2,000-message one.
#pragma once

#include "app/services/chat_types.h"
#include "ui/highlight/code_highlighter.h"

#include <QScrollArea>
#include <QTimer>

class QLabel;

namespace fathom::ui {

class MessageWidget;

class ChatView final : public QScrollArea {
    Q_OBJECT
public:
    explicit ChatView(ColorScheme scheme, QWidget* parent = nullptr);

    // Shows `path`, reusing the widgets of messages that are still shown.
    void setMessages(const QList<app::ChatMessage>& path);
    // Updates the message with this id, or appends it at the end.
    void upsertMessage(const app::ChatMessage& message);
    // Streaming: appends text to the message, shown on the next frame.
    void appendText(qint64 messageId, const QString& text);
    // Renders pending streamed text now (tests, and before a message is finalized).
    void flush();
    // Drops every message widget so the next setMessages() renders in the new colours.
    void setColorScheme(ColorScheme scheme);
    void setShowReasoning(bool show);
    // Text shown when there are no messages (rich text: the empty state, or what to do next).
    void setPlaceholder(const QString& text);

    int messageCount() const { return int(m_widgets.size()); }
    MessageWidget* messageAt(int index) const { return m_widgets.value(index); }
    MessageWidget* messageById(qint64 id) const;
    bool isPinnedToBottom() const { return m_pinned; }
    // Messages currently shown (near the viewport); the rest are hidden until scrolled to.
    int shownMessageCount() const;

signals:
    void siblingRequested(qint64 messageId, int delta);
    void regenerateRequested(qint64 messageId);
    void editSubmitted(qint64 messageId, const QString& text);
    void linkClicked(const QUrl& url);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    MessageWidget* createWidget(const app::ChatMessage& message);
    void updatePlaceholder();
    void relayout();          // positions every message, sizes the content
    void updateVisibility();  // shows messages near the viewport, hides the rest

    ColorScheme m_scheme;
    QWidget* m_content;
    QLabel* m_placeholder;
    QList<MessageWidget*> m_widgets;
    QTimer m_frame;          // batches streamed text into one render per frame
    bool m_pinned = true;    // follow new text at the bottom
    bool m_showReasoning = true;
};

}  // namespace fathom::ui
