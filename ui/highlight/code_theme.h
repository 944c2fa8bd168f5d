// Colours for the built-in highlighter's token kinds, one palette for light and one for dark themes.
#pragma once

#include "ui/highlight/code_highlighter.h"

#include <QTextCharFormat>

namespace fathom::ui {

enum class TokenKind { Keyword, Type, Literal, String, Number, Comment, Function, Preprocessor, Heading,
                       Emphasis, CodeSpan, Key, Variable };

class CodeTheme final {
public:
    explicit CodeTheme(ColorScheme scheme);
    const QTextCharFormat& format(TokenKind kind) const { return m_formats[int(kind)]; }

private:
    QTextCharFormat m_formats[int(TokenKind::Variable) + 1];
};

}  // namespace fathom::ui
