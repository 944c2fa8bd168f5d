// Each rendered part goes through a scratch SafeTextDocument: Qt's Markdown importer builds it, then
// code blocks get a header line (language + Copy link) and images become plain links, and the result
// is appended to the visible document as one fragment.
#include "ui/chat/markdown_renderer.h"

#include "ui/chat/safe_text_document.h"

#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocumentFragment>

namespace fathom::ui {

namespace {

bool isCode(const QTextBlock& block)
{
    const QTextBlockFormat f = block.blockFormat();
    return f.hasProperty(QTextFormat::BlockCodeFence) || f.hasProperty(QTextFormat::BlockCodeLanguage);
}

bool isFence(QStringView line)
{
    int i = 0;
    while (i < line.size() && i < 4 && line[i] == u' ') ++i;
    return line.mid(i).startsWith(u"```") || line.mid(i).startsWith(u"~~~");
}

// Images in model output are never loaded: each becomes a link naming its address.
void replaceImages(QTextDocument& doc, const QColor& linkColor)
{
    QList<std::pair<int, QTextImageFormat>> images;  // (position, format), one character each
    for (QTextBlock b = doc.begin(); b.isValid(); b = b.next())
        for (auto it = b.begin(); !it.atEnd(); ++it)
            if (it.fragment().charFormat().isImageFormat())
                for (int p = 0; p < it.fragment().length(); ++p)
                    images.append({it.fragment().position() + p, it.fragment().charFormat().toImageFormat()});
    for (auto it = images.rbegin(); it != images.rend(); ++it) {
        QTextCursor c(&doc);
        c.setPosition(it->first);
        c.setPosition(it->first + 1, QTextCursor::KeepAnchor);
        QTextCharFormat link;
        link.setAnchor(true);
        link.setAnchorHref(it->second.name());
        link.setForeground(linkColor);
        link.setFontUnderline(true);
        c.insertText(QStringLiteral("[image: %1]").arg(it->second.name()), link);
    }
}

}  // namespace

MarkdownRenderer::MarkdownRenderer(QTextDocument* document, const MarkdownStyle& style)
    : m_document(document), m_style(style)
{
}

int MarkdownRenderer::settledLength(const QString& markdown)
{
    // A cut is safe before a line that starts at column 0 after a blank line, outside any fence:
    // what follows cannot continue a list item, a quote or the paragraph before.
    int settled = 0;
    bool inFence = false;
    bool previousBlank = false;
    int lineStart = 0;
    const QStringView text(markdown);
    while (lineStart < text.size()) {
        const qsizetype nl = text.indexOf(u'\n', lineStart);
        // An unfinished last line can still start a new part; it is never settled itself.
        const QStringView line = text.mid(lineStart, nl < 0 ? text.size() - lineStart : nl - lineStart);
        const bool blank = line.trimmed().isEmpty();
        if (!inFence && previousBlank && !blank && !line.front().isSpace()) settled = lineStart;
        if (isFence(line)) inFence = !inFence;
        if (nl < 0) break;
        previousBlank = blank && !inFence;
        lineStart = int(nl + 1);
    }
    return settled;
}

void MarkdownRenderer::clear()
{
    m_document->clear();
    m_text.clear();
    m_settledChars = 0;
    m_settledEnd = 0;
    m_settledBlocks = 0;
    m_codeBlocks.clear();
}

void MarkdownRenderer::setMarkdown(const QString& markdown)
{
    if (markdown == m_text) return;
    if (!markdown.startsWith(QStringView(m_text).left(m_settledChars))) clear();

    // Drop the old tail, then settle any new complete parts, then render the new tail.
    m_changedFrom = m_settledEnd;
    QTextCursor c(m_document);
    c.setPosition(m_settledEnd);
    c.movePosition(QTextCursor::End, QTextCursor::KeepAnchor);
    c.removeSelectedText();
    m_codeBlocks = m_codeBlocks.mid(0, m_settledBlocks);

    const int settled = settledLength(markdown);
    if (settled > m_settledChars) {
        append(markdown.mid(m_settledChars, settled - m_settledChars));
        m_settledChars = settled;
        QTextCursor end(m_document);
        end.movePosition(QTextCursor::End);
        m_settledEnd = end.position();
        m_settledBlocks = int(m_codeBlocks.size());
    }
    if (settled < markdown.size()) append(markdown.mid(settled));
    m_text = markdown;
}

void MarkdownRenderer::append(const QString& markdown)
{
    SafeTextDocument scratch;
    scratch.setMarkdown(markdown, QTextDocument::MarkdownDialectGitHub);
    replaceImages(scratch, m_style.link);

    // Inline `code` gets the code background too (the importer only marks it fixed-pitch).
    for (QTextBlock b = scratch.begin(); b.isValid(); b = b.next()) {
        if (isCode(b)) continue;
        for (auto it = b.begin(); !it.atEnd(); ++it) {
            QTextCharFormat f = it.fragment().charFormat();
            if (!f.fontFixedPitch() || f.isAnchor()) continue;
            f.setBackground(m_style.codeBackground);
            QTextCursor c(&scratch);
            c.setPosition(it.fragment().position());
            c.setPosition(it.fragment().position() + it.fragment().length(), QTextCursor::KeepAnchor);
            c.setCharFormat(f);
        }
    }

    // Code blocks: collect each run of code lines, then put a header block above it (back to front
    // so earlier positions stay valid).
    struct Run { QTextBlock first; QString language; QString text; };
    QList<Run> runs;
    for (QTextBlock b = scratch.begin(); b.isValid(); b = b.next()) {
        if (!isCode(b)) continue;
        QTextBlockFormat f = b.blockFormat();
        const QString language = f.stringProperty(QTextFormat::BlockCodeLanguage);
        const bool continues = b.previous().isValid() && isCode(b.previous()) &&
                               b.previous().blockFormat().stringProperty(QTextFormat::BlockCodeLanguage) == language;
        if (continues) {
            runs.last().text += u'\n' + b.text();
        } else {
            runs.append({b, language, b.text()});
        }
        f.setBackground(m_style.codeBackground);
        f.setLeftMargin(4);
        f.setRightMargin(4);
        f.setTopMargin(0);
        f.setBottomMargin(0);
        QTextCursor(b).setBlockFormat(f);
    }
    const int firstIndex = int(m_codeBlocks.size());
    for (const Run& run : runs) m_codeBlocks.append(run.text);
    for (int i = int(runs.size()) - 1; i >= 0; --i) {
        const QTextBlock code = runs[i].first;
        QTextCursor c(code);
        c.insertBlock(code.blockFormat(), code.charFormat());
        c.movePosition(QTextCursor::PreviousBlock);
        QTextBlockFormat header;
        header.setBackground(m_style.codeHeader);
        header.setTopMargin(8);
        header.setLeftMargin(4);
        header.setRightMargin(4);
        c.setBlockFormat(header);
        QTextCharFormat label;
        label.setForeground(m_style.link.darker(120));
        label.setFontPointSize(8.5);
        c.insertText(runs[i].language.isEmpty() ? QStringLiteral("code   ") : runs[i].language + QStringLiteral("   "), label);
        QTextCharFormat copy = label;
        copy.setAnchor(true);
        copy.setAnchorHref(QStringLiteral("fathom-copy:%1").arg(firstIndex + i));
        copy.setForeground(m_style.link);
        c.insertText(QStringLiteral("Copy"), copy);
    }

    // Append as one fragment. Into a non-empty document the fragment's first block would merge into
    // the last block there and lose its format, so give the fragment an empty first block to merge.
    QTextCursor end(m_document);
    end.movePosition(QTextCursor::End);
    const bool empty = m_document->isEmpty();
    const QTextBlock first = scratch.begin();
    const QTextBlockFormat firstFormat = first.blockFormat();
    if (!empty) QTextCursor(first).insertBlock(firstFormat, first.charFormat());
    end.insertFragment(QTextDocumentFragment(&scratch));
    if (empty) QTextCursor(m_document->begin()).setBlockFormat(firstFormat);
}

}  // namespace fathom::ui
