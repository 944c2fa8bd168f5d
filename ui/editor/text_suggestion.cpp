// TextSuggestion: the word and line boundaries are found with QTextCursor moves on the suggestion's
// own document, so they follow Qt's notion of words (Unicode-aware) like the rest of the editor.
#include "ui/editor/text_suggestion.h"

#include <QTextCursor>

namespace fathom::ui {

TextSuggestion::TextSuggestion(const QString& text, int position) : m_position(position)
{
    m_document.setUndoRedoEnabled(false);
    m_document.setPlainText(text);
}

void TextSuggestion::setText(const QString& text)
{
    if (text != m_document.toPlainText()) m_document.setPlainText(text);
}

int TextSuggestion::nextWordLength() const
{
    const QString t = text();
    int i = 0;
    while (i < t.size() && t.at(i).isSpace()) ++i;
    if (i == t.size()) return i;
    QTextCursor c(const_cast<QTextDocument*>(&m_document));
    c.setPosition(i);
    const bool word = t.at(i).isLetterOrNumber() || t.at(i) == u'_';
    if (word && c.movePosition(QTextCursor::EndOfWord) && c.position() > i) return c.position();
    // Punctuation: one run of it (")):" is taken whole, as one would type it).
    while (i < t.size() && !t.at(i).isSpace() && !t.at(i).isLetterOrNumber() && t.at(i) != u'_') ++i;
    return i;
}

int TextSuggestion::nextLineLength() const
{
    const QString t = text();
    const int from = t.startsWith(u'\n') ? 1 : 0;
    const int nl = t.indexOf(u'\n', from);
    return nl < 0 ? int(t.size()) : nl + 1;
}

bool TextSuggestion::consume(const QString& typed)
{
    if (typed.isEmpty() || !text().startsWith(typed)) return false;
    QTextCursor c(&m_document);
    c.setPosition(int(typed.size()), QTextCursor::KeepAnchor);
    c.removeSelectedText();
    m_position += int(typed.size());
    return true;
}

}  // namespace fathom::ui
