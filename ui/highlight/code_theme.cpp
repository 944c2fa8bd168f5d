// Two hand-picked palettes (after Atom One Light / One Dark) with enough contrast on Fathom's code
// block backgrounds.
#include "ui/highlight/code_theme.h"

namespace fathom::ui {

CodeTheme::CodeTheme(ColorScheme scheme)
{
    const bool dark = scheme == ColorScheme::Dark;
    auto set = [this](TokenKind kind, const char* color, bool bold = false, bool italic = false) {
        QTextCharFormat& f = m_formats[int(kind)];
        f.setForeground(QColor(QLatin1String(color)));
        if (bold) f.setFontWeight(QFont::Bold);
        if (italic) f.setFontItalic(true);
    };
    set(TokenKind::Keyword, dark ? "#c678dd" : "#a626a4");
    set(TokenKind::Type, dark ? "#e5c07b" : "#b76b01");
    set(TokenKind::Literal, dark ? "#d19a66" : "#986801");
    set(TokenKind::String, dark ? "#98c379" : "#50a14f");
    set(TokenKind::Number, dark ? "#d19a66" : "#986801");
    set(TokenKind::Comment, dark ? "#7f848e" : "#8e8f96", false, true);
    set(TokenKind::Function, dark ? "#61afef" : "#4078f2");
    set(TokenKind::Preprocessor, dark ? "#e06c75" : "#ca1243");
    set(TokenKind::Heading, dark ? "#e06c75" : "#e45649", true);
    set(TokenKind::Emphasis, dark ? "#d19a66" : "#986801", false, true);
    set(TokenKind::CodeSpan, dark ? "#98c379" : "#50a14f");
    set(TokenKind::Key, dark ? "#e06c75" : "#e45649");
    set(TokenKind::Variable, dark ? "#e06c75" : "#e45649");
}

}  // namespace fathom::ui
