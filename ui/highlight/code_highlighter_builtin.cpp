// CodeHighlighter's factory when the build uses the built-in scanner (no KF6 SyntaxHighlighting).
#include "ui/highlight/builtin_code_highlighter.h"

namespace fathom::ui {

std::unique_ptr<CodeHighlighter> CodeHighlighter::create(const QString& language, ColorScheme scheme)
{
    const LanguageRules* rules = LanguageRules::find(language);
    if (!rules) return nullptr;
    return std::make_unique<BuiltinCodeHighlighter>(*rules, scheme);
}

QString CodeHighlighter::backendName() { return QStringLiteral("builtin"); }

}  // namespace fathom::ui
