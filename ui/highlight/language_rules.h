// What the built-in highlighter knows about one language: its words and its comment and string
// syntax. A table, not a parser: enough to colour code in chat replies and the editor.
#pragma once

#include <QSet>
#include <QString>
#include <QStringList>

namespace fathom::ui {

struct LanguageRules final {
    QString name;                 // "C++", "Python", ...
    QSet<QString> keywords;       // control flow and declarations
    QSet<QString> types;          // built-in type names
    QSet<QString> literals;       // true, false, null, None, ...
    QString lineComment;          // "//" or "#"; empty = none
    QString blockOpen;            // "/*"; empty = none
    QString blockClose;           // "*/"
    bool hashPreprocessor = false;    // C/C++: a line starting with # is a directive
    bool singleQuoteStrings = true;   // '...' is a string (Rust/C/Java: a char literal)
    bool rustLifetimes = false;       // 'a without a closing quote is a lifetime, not a string
    bool tripleQuotes = false;        // Python """...""" / '''...''' span lines
    bool backtickStrings = false;     // JS/TS template literals, Go raw strings: span lines
    bool dollarVariables = false;     // shell $VAR / ${VAR}
    bool jsonKeys = false;            // a string followed by ':' is a key
    bool markdown = false;            // headings, emphasis, code spans instead of code tokens

    // The rules for a fence info string or language name (case-insensitive: "C++", "cpp", "hpp",
    // "py", "ts", "rs", "golang", "sh", "md", ...); null when unknown.
    static const LanguageRules* find(const QString& language);
    // Canonical names of every language covered.
    static QStringList names();
};

}  // namespace fathom::ui
