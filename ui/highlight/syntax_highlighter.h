// QSyntaxHighlighter over CodeHighlighter for a whole QTextDocument: either one language for every
// block (the code editor) or, in Markdown mode, each fenced code block in its own language (chat).
#pragma once

#include "ui/highlight/code_highlighter.h"

#include <QHash>
#include <QSyntaxHighlighter>

#include <memory>

namespace fathom::ui {

class SyntaxHighlighter final : public QSyntaxHighlighter {
    Q_OBJECT
public:
    // language empty = Markdown mode: only blocks the Markdown importer marked as code are coloured,
    // in the language of their fence.
    SyntaxHighlighter(QTextDocument* document, const QString& language, ColorScheme scheme);
    ~SyntaxHighlighter() override;

protected:
    void highlightBlock(const QString& text) override;

private:
    CodeHighlighter* highlighterFor(const QString& language);

    QString m_language;
    ColorScheme m_scheme;
    QHash<QString, std::shared_ptr<CodeHighlighter>> m_highlighters;  // by language; null = unknown
};

}  // namespace fathom::ui
