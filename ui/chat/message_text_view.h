// The text of one chat message: a read-only, selectable QTextBrowser that is exactly as tall as its
// text (the chat view scrolls, not the message), renders Markdown through MarkdownRenderer with code
// highlighting, loads no resource and follows no link by itself. Its height is fixed to the laid-out
// document (not height-for-width): with 200 messages, layouts then never re-lay out documents to
// answer "how tall at width w?", which made streaming stall.
#pragma once

#include "ui/chat/markdown_renderer.h"
#include "ui/highlight/code_highlighter.h"

#include <QTextBrowser>

#include <memory>

namespace fathom::ui {

class SafeTextDocument;
class SyntaxHighlighter;

class MessageTextView final : public QTextBrowser {
    Q_OBJECT
public:
    MessageTextView(ColorScheme scheme, QWidget* parent = nullptr);
    ~MessageTextView() override;

    void setMarkdownText(const QString& markdown);   // incremental when it extends the last text
    void setPlainTextContent(const QString& text);
    QString codeBlock(int index) const { return m_renderer->codeBlock(index); }
    int codeBlockCount() const { return m_renderer->codeBlockCount(); }
    const SafeTextDocument* safeDocument() const { return m_document; }

    QSize minimumSizeHint() const override { return {60, 0}; }

signals:
    // A link was clicked: "fathom-copy:N" for a code block's Copy link, otherwise the model's address.
    void linkClicked(const QUrl& url);

protected:
    QVariant loadResource(int type, const QUrl& name) override;
    void wheelEvent(QWheelEvent* event) override;

private:
    SafeTextDocument* m_document;
    std::unique_ptr<MarkdownRenderer> m_renderer;
    void updateHeight();

    SyntaxHighlighter* m_highlighter;
};

}  // namespace fathom::ui
