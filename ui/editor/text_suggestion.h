// A ghost-text suggestion: its own QTextDocument holding the text the model proposed, anchored at a
// position of the editor's document (Qt Creator's TextSuggestion; CONTRIBUTING.md, 'Style' 9). The
// editor draws it in place; typing or accepting its start consumes it and moves the anchor along.
#pragma once

#include <QString>
#include <QTextDocument>

namespace fathom::ui {

class TextSuggestion final {
public:
    TextSuggestion(const QString& text, int position);

    QTextDocument* document() { return &m_document; }
    QString text() const { return m_document.toPlainText(); }
    bool isEmpty() const { return m_document.isEmpty(); }
    // Where in the editor's document the suggestion starts.
    int position() const { return m_position; }

    void setText(const QString& text);
    // Characters that Ctrl+Right takes: whitespace (line breaks included), then one word or one run
    // of punctuation.
    int nextWordLength() const;
    // Characters that Ctrl+Down takes: up to and including the next line break (a leading line
    // break counts with the line after it).
    int nextLineLength() const;
    // `typed` was inserted at position(): if it is the suggestion's start, drop it, move on and
    // return true; otherwise leave everything and return false.
    bool consume(const QString& typed);

private:
    QTextDocument m_document;
    int m_position;
};

}  // namespace fathom::ui
