// Renders a reply's Markdown into a QTextDocument, incrementally while it streams: finished
// paragraphs (outside code fences) are rendered once and kept; only the unfinished tail is rebuilt
// on each update, so the cost of an update does not grow with the length of the reply.
#pragma once

#include <QColor>
#include <QString>
#include <QStringList>

class QTextDocument;

namespace fathom::ui {

struct MarkdownStyle {
    QColor codeBackground;   // fenced code blocks
    QColor codeHeader;       // the language / Copy line above each block
    QColor link;
};

class MarkdownRenderer final {
public:
    MarkdownRenderer(QTextDocument* document, const MarkdownStyle& style);

    // Shows `markdown`. When it extends the text of the last call, only the changed tail is
    // re-rendered; otherwise the document is rebuilt.
    void setMarkdown(const QString& markdown);
    // The source text of code block `index` (the target of its Copy link "fathom-copy:<index>").
    QString codeBlock(int index) const { return m_codeBlocks.value(index); }
    int codeBlockCount() const { return int(m_codeBlocks.size()); }
    // Document position from which the last setMarkdown() replaced content (what to re-highlight:
    // QSyntaxHighlighter misses blocks that arrive inside an inserted fragment).
    int changedFrom() const { return m_changedFrom; }

    // Where the text may be cut into independently rendered parts: just after the last blank line
    // that is outside a code fence (0 = nowhere). Public for tests.
    static int settledLength(const QString& markdown);

private:
    void clear();
    // Renders `markdown` as a unit and appends it to the document.
    void append(const QString& markdown);

    QTextDocument* m_document;
    MarkdownStyle m_style;
    QString m_text;            // what is shown
    int m_settledChars = 0;    // m_text[0, m_settledChars) is rendered for good
    int m_settledEnd = 0;      // document position where the settled part ends
    int m_settledBlocks = 0;   // code blocks inside the settled part
    QStringList m_codeBlocks;
    int m_changedFrom = 0;
};

}  // namespace fathom::ui
