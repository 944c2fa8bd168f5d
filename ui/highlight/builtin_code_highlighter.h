// Fathom's own line scanner for the languages in LanguageRules: used when KSyntaxHighlighting (KF6)
// is not available, as on Debian 12.
#pragma once

#include "ui/highlight/code_highlighter.h"
#include "ui/highlight/code_theme.h"
#include "ui/highlight/language_rules.h"

namespace fathom::ui {

class BuiltinCodeHighlighter final : public CodeHighlighter {
public:
    BuiltinCodeHighlighter(const LanguageRules& rules, ColorScheme scheme);
    int highlightLine(const QString& line, int state, QList<QTextLayout::FormatRange>& formats) override;

    // Line states carried between lines; stored in QTextBlock user state, so never renumber.
    enum State { Normal = 0, InBlockComment = 1, InTripleDouble = 2, InTripleSingle = 3, InBacktick = 4,
                 InFence = 5 };

private:
    int highlightMarkdown(const QString& line, int state, QList<QTextLayout::FormatRange>& formats);
    // Index just past the closing `quote` at or after `from` (backslash escapes skipped); -1 if the
    // line ends first.
    static int closingQuote(const QString& line, int from, QStringView quote);
    void add(QList<QTextLayout::FormatRange>& formats, int start, int length, TokenKind kind) const;

    const LanguageRules& m_rules;
    CodeTheme m_theme;
};

}  // namespace fathom::ui
