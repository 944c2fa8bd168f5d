// One open file in the code editor: QPlainTextEdit with line numbers, current-line and bracket
// highlighting, auto-indent, syntax colours (ui/highlight), a revision counter that every change
// bumps (KTextEditor's buffer revision), and ghost-text suggestions drawn in place: the suggestion
// is laid out inside the cursor's line (as an input method's preedit text is), so the lines below
// move down to make room for a multi-line suggestion. Tab accepts all, Ctrl+Right a word, Ctrl+Down
// a line, Esc dismisses; an accepted part is one undo step. Requests are CompletionClient's job.
#pragma once

#include "ui/highlight/code_highlighter.h"

#include <QPlainTextEdit>
#include <QTextBlock>
#include <QUrl>

#include <memory>

class QSyntaxHighlighter;

namespace fathom::ui {

class LineNumberArea;
class TextSuggestion;

class CodeEditor final : public QPlainTextEdit {
    Q_OBJECT
public:
    enum class AcceptPart { All, Word, Line };

    explicit CodeEditor(QWidget* parent = nullptr);
    ~CodeEditor() override;

    // Bumped by every change of the text, whoever made it.
    quint64 revision() const { return m_revision; }

    QString filePath() const { return m_filePath; }
    void setFilePath(const QString& path) { m_filePath = path; }
    // A language name the highlighter knows ("Python", "C++", "rust"); empty = plain text.
    QString language() const { return m_language; }
    void setLanguage(const QString& language);
    void setColorScheme(ColorScheme scheme);
    ColorScheme colorScheme() const { return m_scheme; }
    // The language for a file name from its suffix ("x.py" -> "Python"); empty when unknown.
    static QString languageForFile(const QString& path);

    // Shows `text` as ghost text at `position` (replacing any shown before); empty text shows none
    // but keeps the anchor, so a suggestion still streaming can grow again.
    void showSuggestion(const QString& text, int position);
    void clearSuggestion();
    const TextSuggestion* suggestion() const { return m_suggestion.get(); }
    bool hasVisibleSuggestion() const;
    // Inserts that part of the suggestion at the cursor as one undo step; false when none shows.
    bool acceptSuggestion(AcceptPart part);

    int lineNumberAreaWidth() const;
    void paintLineNumbers(QPaintEvent* event);

signals:
    // Every change of the text; suggestionKept says whether it typed (or accepted) the start of the
    // suggestion, which then stays, shorter, at the new cursor.
    void bufferChanged(quint64 revision, bool suggestionKept);
    // A key press, paste or drop changed the text (not a file load): time to think of a completion.
    void userEdited();
    void completionRequested();   // Ctrl+Space
    void suggestionDismissed();   // Esc while a suggestion shows
    void filesDropped(const QList<QUrl>& files);

protected:
    bool event(QEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dragMoveEvent(QDragMoveEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void insertFromMimeData(const QMimeData* source) override;

private:
    void onContentsChange(int from, int removed, int added);
    void scheduleSuggestionLayout();
    void layoutSuggestion();
    void removeSuggestionLayout();
    void updateExtraSelections();
    void updateGutterWidth();
    void updateGutter(const QRect& rect, int dy);
    void insertNewlineWithIndent();
    bool isSuggestionKey(const QKeyEvent* event) const;
    QColor ghostColor() const;

    LineNumberArea* m_gutter = nullptr;
    quint64 m_revision = 0;
    QString m_filePath;
    QString m_language;
    ColorScheme m_scheme = ColorScheme::Light;
    std::unique_ptr<QSyntaxHighlighter> m_highlighter;
    std::unique_ptr<TextSuggestion> m_suggestion;
    QTextBlock m_suggestionBlock;     // block whose layout holds the ghost text (invalid = none);
                                      // a handle, not a number: it follows the block through edits
    bool m_layoutQueued = false;
};

}  // namespace fathom::ui
