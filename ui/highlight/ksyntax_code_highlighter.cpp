// Adapts KSyntaxHighlighting's AbstractHighlighter to CodeHighlighter's int line states, and holds
// the one Repository (loading definitions is slow, so it is shared for the process lifetime).
#include "ui/highlight/ksyntax_code_highlighter.h"


#include <KSyntaxHighlighting/Definition>
#include <KSyntaxHighlighting/Format>
#include <KSyntaxHighlighting/Repository>
#include <KSyntaxHighlighting/Theme>

#include <QHash>

namespace fathom::ui {

namespace {

KSyntaxHighlighting::Repository& repository()
{
    static KSyntaxHighlighting::Repository repo;
    return repo;
}

// Fence names models write that KSyntaxHighlighting knows under another name.
QString definitionName(const QString& language)
{
    const QString key = language.trimmed().section(u' ', 0, 0).toLower();
    static const QHash<QString, QString> aliases = {
        {QStringLiteral("c++"), QStringLiteral("C++")},  {QStringLiteral("cpp"), QStringLiteral("C++")},
        {QStringLiteral("h"), QStringLiteral("C++")},    {QStringLiteral("c"), QStringLiteral("C")},
        {QStringLiteral("py"), QStringLiteral("Python")}, {QStringLiteral("python"), QStringLiteral("Python")},
        {QStringLiteral("js"), QStringLiteral("JavaScript")}, {QStringLiteral("javascript"), QStringLiteral("JavaScript")},
        {QStringLiteral("ts"), QStringLiteral("TypeScript")}, {QStringLiteral("typescript"), QStringLiteral("TypeScript")},
        {QStringLiteral("rs"), QStringLiteral("Rust")},  {QStringLiteral("rust"), QStringLiteral("Rust")},
        {QStringLiteral("go"), QStringLiteral("Go")},    {QStringLiteral("golang"), QStringLiteral("Go")},
        {QStringLiteral("java"), QStringLiteral("Java")}, {QStringLiteral("json"), QStringLiteral("JSON")},
        {QStringLiteral("md"), QStringLiteral("Markdown")}, {QStringLiteral("markdown"), QStringLiteral("Markdown")},
        {QStringLiteral("sh"), QStringLiteral("Bash")},  {QStringLiteral("bash"), QStringLiteral("Bash")},
        {QStringLiteral("shell"), QStringLiteral("Bash")}, {QStringLiteral("zsh"), QStringLiteral("Zsh")},
    };
    return aliases.value(key, key);
}

}  // namespace

KSyntaxCodeHighlighter::KSyntaxCodeHighlighter(const KSyntaxHighlighting::Definition& definition,
                                               const KSyntaxHighlighting::Theme& theme)
{
    setDefinition(definition);
    setTheme(theme);
    m_states.emplace_back();
}

int KSyntaxCodeHighlighter::highlightLine(const QString& line, int state, QList<QTextLayout::FormatRange>& formats)
{
    const KSyntaxHighlighting::State& previous =
        state >= 0 && size_t(state) < m_states.size() ? m_states[size_t(state)] : m_states.front();
    m_out = &formats;
    const KSyntaxHighlighting::State next = AbstractHighlighter::highlightLine(line, previous);
    m_out = nullptr;
    for (size_t i = 0; i < m_states.size(); ++i)
        if (m_states[i] == next) return int(i);
    m_states.push_back(next);
    return int(m_states.size() - 1);
}

void KSyntaxCodeHighlighter::applyFormat(int offset, int length, const KSyntaxHighlighting::Format& format)
{
    if (!m_out || length <= 0 || format.isDefaultTextStyle(theme())) return;
    QTextCharFormat f;
    if (format.hasTextColor(theme())) f.setForeground(format.textColor(theme()));
    if (format.isBold(theme())) f.setFontWeight(QFont::Bold);
    if (format.isItalic(theme())) f.setFontItalic(true);
    m_out->append({offset, length, f});
}

std::unique_ptr<CodeHighlighter> CodeHighlighter::create(const QString& language, ColorScheme scheme)
{
    KSyntaxHighlighting::Repository& repo = repository();
    KSyntaxHighlighting::Definition def = repo.definitionForName(definitionName(language));
    if (!def.isValid()) return nullptr;
    const auto theme = repo.defaultTheme(scheme == ColorScheme::Dark ? KSyntaxHighlighting::Repository::DarkTheme
                                                                     : KSyntaxHighlighting::Repository::LightTheme);
    return std::make_unique<KSyntaxCodeHighlighter>(def, theme);
}

QString CodeHighlighter::backendName() { return QStringLiteral("KSyntaxHighlighting"); }

}  // namespace fathom::ui
