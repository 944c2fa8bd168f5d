// CodeHighlighter on KDE's KSyntaxHighlighting (KF6): 300+ languages and the KDE colour themes.
// Compiled only when CMake finds KF6SyntaxHighlighting.
#pragma once

#include "ui/highlight/code_highlighter.h"

#include <KSyntaxHighlighting/AbstractHighlighter>
#include <KSyntaxHighlighting/State>

#include <vector>

namespace fathom::ui {

class KSyntaxCodeHighlighter final : public CodeHighlighter, private KSyntaxHighlighting::AbstractHighlighter {
public:
    KSyntaxCodeHighlighter(const KSyntaxHighlighting::Definition& definition, const KSyntaxHighlighting::Theme& theme);
    int highlightLine(const QString& line, int state, QList<QTextLayout::FormatRange>& formats) override;

private:
    void applyFormat(int offset, int length, const KSyntaxHighlighting::Format& format) override;

    // KSyntaxHighlighting's states are opaque values; callers get their index here (0 = initial).
    std::vector<KSyntaxHighlighting::State> m_states;
    QList<QTextLayout::FormatRange>* m_out = nullptr;
};

}  // namespace fathom::ui
