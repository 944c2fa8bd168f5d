// A single left-to-right pass per line: comments, strings, numbers, words. Multi-line constructs
// (block comments, Python triple quotes, template literals, Markdown fences) continue via the state.
#include "ui/highlight/builtin_code_highlighter.h"

namespace fathom::ui {

namespace {

bool startsAt(const QString& line, int i, const QString& token)
{
    return !token.isEmpty() && QStringView(line).mid(i).startsWith(token);
}

bool isWordStart(QChar c) { return c.isLetter() || c == u'_'; }
bool isWordChar(QChar c) { return c.isLetterOrNumber() || c == u'_'; }

}  // namespace

BuiltinCodeHighlighter::BuiltinCodeHighlighter(const LanguageRules& rules, ColorScheme scheme)
    : m_rules(rules), m_theme(scheme)
{
}

void BuiltinCodeHighlighter::add(QList<QTextLayout::FormatRange>& formats, int start, int length,
                                 TokenKind kind) const
{
    if (length > 0) formats.append({start, length, m_theme.format(kind)});
}

int BuiltinCodeHighlighter::closingQuote(const QString& line, int from, QStringView quote)
{
    for (int i = from; i < line.size(); ++i) {
        if (line[i] == u'\\') {
            ++i;
            continue;
        }
        if (QStringView(line).mid(i).startsWith(quote)) return i + int(quote.size());
    }
    return -1;
}

int BuiltinCodeHighlighter::highlightLine(const QString& line, int state,
                                          QList<QTextLayout::FormatRange>& formats)
{
    if (m_rules.markdown) return highlightMarkdown(line, state, formats);
    const int n = int(line.size());
    int i = 0;

    // Finish what the previous line left open.
    if (state != Normal) {
        int end = -1;
        TokenKind kind = TokenKind::String;
        if (state == InBlockComment) {
            const int close = int(line.indexOf(m_rules.blockClose));
            end = close < 0 ? -1 : close + int(m_rules.blockClose.size());
            kind = TokenKind::Comment;
        } else if (state == InTripleDouble) {
            end = closingQuote(line, 0, u"\"\"\"");
        } else if (state == InTripleSingle) {
            end = closingQuote(line, 0, u"'''");
        } else if (state == InBacktick) {
            end = closingQuote(line, 0, u"`");
        }
        if (end < 0) {
            add(formats, 0, n, kind);
            return state;
        }
        add(formats, 0, end, kind);
        i = end;
    }

    if (m_rules.hashPreprocessor && i == 0) {
        int j = 0;
        while (j < n && line[j].isSpace()) ++j;
        if (j < n && line[j] == u'#') {
            const int comment = int(line.indexOf(QLatin1String("//"), j));
            add(formats, j, (comment < 0 ? n : comment) - j, TokenKind::Preprocessor);
            if (comment >= 0) add(formats, comment, n - comment, TokenKind::Comment);
            return Normal;
        }
    }

    while (i < n) {
        const QChar c = line[i];
        if (startsAt(line, i, m_rules.lineComment)) {
            add(formats, i, n - i, TokenKind::Comment);
            break;
        }
        if (startsAt(line, i, m_rules.blockOpen)) {
            const int close = int(line.indexOf(m_rules.blockClose, i + m_rules.blockOpen.size()));
            if (close < 0) {
                add(formats, i, n - i, TokenKind::Comment);
                return InBlockComment;
            }
            const int end = close + int(m_rules.blockClose.size());
            add(formats, i, end - i, TokenKind::Comment);
            i = end;
            continue;
        }
        if (m_rules.tripleQuotes && (startsAt(line, i, QStringLiteral("\"\"\"")) ||
                                     startsAt(line, i, QStringLiteral("'''")))) {
            const bool dbl = c == u'"';
            const int end = closingQuote(line, i + 3, dbl ? u"\"\"\"" : u"'''");
            if (end < 0) {
                add(formats, i, n - i, TokenKind::String);
                return dbl ? InTripleDouble : InTripleSingle;
            }
            add(formats, i, end - i, TokenKind::String);
            i = end;
            continue;
        }
        if (c == u'`' && m_rules.backtickStrings) {
            const int end = closingQuote(line, i + 1, u"`");
            if (end < 0) {
                add(formats, i, n - i, TokenKind::String);
                return InBacktick;
            }
            add(formats, i, end - i, TokenKind::String);
            i = end;
            continue;
        }
        if (c == u'"' || (c == u'\'' && m_rules.singleQuoteStrings)) {
            if (c == u'\'' && m_rules.rustLifetimes) {
                // 'a' / '\n' / '\u{1F600}' are chars; 'a alone is a lifetime or label.
                const int close = int(line.indexOf(u'\'', i + 1));
                const bool isChar = close > i + 1 && (close <= i + 3 || line[i + 1] == u'\\');
                if (!isChar) {
                    int j = i + 1;
                    while (j < n && isWordChar(line[j])) ++j;
                    add(formats, i, j - i, TokenKind::Type);
                    i = std::max(j, i + 1);
                    continue;
                }
            }
            int end = closingQuote(line, i + 1, QStringView(&c, 1));
            if (end < 0) end = n;  // unterminated: colour to the end of the line only
            int after = end;
            while (after < n && line[after].isSpace()) ++after;
            const bool key = m_rules.jsonKeys && after < n && line[after] == u':';
            add(formats, i, end - i, key ? TokenKind::Key : TokenKind::String);
            i = end;
            continue;
        }
        if (c == u'$' && m_rules.dollarVariables && i + 1 < n) {
            int j = i + 1;
            if (line[j] == u'{') {
                const int close = int(line.indexOf(u'}', j));
                j = close < 0 ? n : close + 1;
            } else {
                while (j < n && (isWordChar(line[j]) || (j == i + 1 && QStringLiteral("@#?*!$0123456789").contains(line[j]))))
                    ++j;
            }
            add(formats, i, j - i, TokenKind::Variable);
            i = std::max(j, i + 1);
            continue;
        }
        if (c.isDigit() || (c == u'.' && i + 1 < n && line[i + 1].isDigit())) {
            int j = i + 1;
            while (j < n && (line[j].isLetterOrNumber() || line[j] == u'.' || line[j] == u'_' ||
                             line[j] == u'\'')) {
                ++j;
            }
            add(formats, i, j - i, TokenKind::Number);
            i = j;
            continue;
        }
        if (isWordStart(c)) {
            int j = i + 1;
            while (j < n && (isWordChar(line[j]) || (m_rules.dollarVariables && line[j] == u'-'))) ++j;
            const QString word = line.mid(i, j - i);
            if (m_rules.keywords.contains(word)) {
                add(formats, i, j - i, TokenKind::Keyword);
            } else if (m_rules.literals.contains(word)) {
                add(formats, i, j - i, TokenKind::Literal);
            } else if (m_rules.types.contains(word)) {
                add(formats, i, j - i, TokenKind::Type);
            } else {
                int k = j;
                while (k < n && line[k] == u' ') ++k;
                if (k < n && line[k] == u'(' && !m_rules.jsonKeys) add(formats, i, j - i, TokenKind::Function);
            }
            i = j;
            continue;
        }
        ++i;
    }
    return Normal;
}

int BuiltinCodeHighlighter::highlightMarkdown(const QString& line, int state,
                                              QList<QTextLayout::FormatRange>& formats)
{
    const int n = int(line.size());
    const QString trimmed = line.trimmed();
    const bool fence = trimmed.startsWith(QLatin1String("```")) || trimmed.startsWith(QLatin1String("~~~"));
    if (state == InFence || fence) {
        add(formats, 0, n, TokenKind::CodeSpan);
        if (fence) return state == InFence ? Normal : InFence;
        return InFence;
    }
    if (trimmed.startsWith(u'#')) {
        add(formats, 0, n, TokenKind::Heading);
        return Normal;
    }
    int i = 0;
    while (i < n && line[i].isSpace()) ++i;
    if (i + 1 < n && QStringLiteral("-*+>").contains(line[i]) && line[i + 1] == u' ')
        add(formats, i, 1, TokenKind::Keyword);
    for (; i < n; ++i) {
        const QChar c = line[i];
        if (c == u'`') {
            const int close = int(line.indexOf(u'`', i + 1));
            if (close < 0) break;
            add(formats, i, close + 1 - i, TokenKind::CodeSpan);
            i = close;
        } else if (c == u'*' || c == u'_') {
            const bool strong = i + 1 < n && line[i + 1] == c;
            const QString marker = strong ? QString(2, c) : QString(c);
            const int close = int(line.indexOf(marker, i + marker.size()));
            if (close < 0 || close == i + marker.size()) continue;
            add(formats, i, close + int(marker.size()) - i, TokenKind::Emphasis);
            i = close + int(marker.size()) - 1;
        } else if (c == u'[') {
            const int mid = int(line.indexOf(QLatin1String("]("), i));
            const int close = mid < 0 ? -1 : int(line.indexOf(u')', mid));
            if (close < 0) continue;
            add(formats, i, close + 1 - i, TokenKind::Function);
            i = close;
        }
    }
    return Normal;
}

}  // namespace fathom::ui
