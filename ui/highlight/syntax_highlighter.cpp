// Runs the language's CodeHighlighter over each block, carrying its line state in QTextBlock's user
// state so that editing one line only re-highlights until the state settles.
#include "ui/highlight/syntax_highlighter.h"

#include <QTextBlock>

namespace fathom::ui {

SyntaxHighlighter::SyntaxHighlighter(QTextDocument* document, const QString& language, ColorScheme scheme)
    : QSyntaxHighlighter(document), m_language(language), m_scheme(scheme)
{
}

SyntaxHighlighter::~SyntaxHighlighter() = default;

CodeHighlighter* SyntaxHighlighter::highlighterFor(const QString& language)
{
    auto it = m_highlighters.find(language);
    if (it == m_highlighters.end())
        it = m_highlighters.insert(language, std::shared_ptr<CodeHighlighter>(CodeHighlighter::create(language, m_scheme)));
    return it->get();
}

void SyntaxHighlighter::highlightBlock(const QString& text)
{
    QString language = m_language;
    int previousState = std::max(previousBlockState(), 0);
    if (language.isEmpty()) {
        const QTextBlockFormat fmt = currentBlock().blockFormat();
        if (!fmt.hasProperty(QTextFormat::BlockCodeFence) && !fmt.hasProperty(QTextFormat::BlockCodeLanguage))
            return;
        language = fmt.stringProperty(QTextFormat::BlockCodeLanguage);
        // The first line of a fenced block starts clean, whatever the paragraph before left.
        const QTextBlockFormat before = currentBlock().previous().blockFormat();
        if (!before.hasProperty(QTextFormat::BlockCodeFence) && !before.hasProperty(QTextFormat::BlockCodeLanguage))
            previousState = 0;
    }
    CodeHighlighter* highlighter = highlighterFor(language);
    if (!highlighter) return;
    QList<QTextLayout::FormatRange> formats;
    const int state = highlighter->highlightLine(text, previousState, formats);
    for (const QTextLayout::FormatRange& r : formats) setFormat(r.start, r.length, r.format);
    setCurrentBlockState(state);
}

}  // namespace fathom::ui
