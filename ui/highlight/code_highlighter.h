// Syntax highlighting of one language, one line at a time, so any text surface can use it: the chat
// view's fenced code blocks now, the code editor later. Backed by KSyntaxHighlighting when CMake found
// KF6, otherwise by Fathom's built-in scanner; the choice is made once, in ui/CMakeLists.txt.
#pragma once

#include <QList>
#include <QString>
#include <QStringList>
#include <QTextLayout>

#include <memory>

namespace fathom::ui {

enum class ColorScheme { Light, Dark };

class CodeHighlighter {
public:
    virtual ~CodeHighlighter() = default;

    // A highlighter for a fence info string or language name ("cpp", "py", "rust", "ts");
    // null when the language is unknown (the block is then shown as plain monospace).
    static std::unique_ptr<CodeHighlighter> create(const QString& language, ColorScheme scheme);
    // "builtin" or "KSyntaxHighlighting": which implementation this build chose.
    static QString backendName();

    // Appends the formats of `line` to `formats`. `state` is what the previous line returned (0 for
    // the first line); the result carries block comments and multi-line strings into the next line.
    virtual int highlightLine(const QString& line, int state, QList<QTextLayout::FormatRange>& formats) = 0;
};

}  // namespace fathom::ui
