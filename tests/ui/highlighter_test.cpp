// CodeHighlighter: every required language is covered, tokens get their colours, and multi-line
// constructs carry over lines; SyntaxHighlighter colours only fenced code in a Markdown document.
#include "ui/chat/message_text_view.h"
#include "ui/highlight/code_highlighter.h"
#include "ui/highlight/syntax_highlighter.h"

#include <QTest>
#include <QTextBlock>
#include <QTextDocument>

using namespace fathom::ui;

namespace {

// The colour at `column` of `line`, or an invalid colour when nothing formats it.
QColor colorAt(const QList<QTextLayout::FormatRange>& formats, int column)
{
    QColor c;
    for (const auto& r : formats)
        if (column >= r.start && column < r.start + r.length) c = r.format.foreground().color();
    return c;
}

bool isBuiltin() { return CodeHighlighter::backendName() == QLatin1String("builtin"); }

}  // namespace

class HighlighterTest final : public QObject {
    Q_OBJECT
private slots:
    void coversEveryRequiredLanguage()
    {
        const QStringList required = {"c", "cpp", "c++", "python", "py", "javascript", "js", "typescript", "ts",
                                      "rust", "go", "java", "json", "markdown", "md", "sh", "bash", "shell"};
        for (const QString& lang : required)
            QVERIFY2(CodeHighlighter::create(lang, ColorScheme::Light) != nullptr, qPrintable(lang));
    }

    void unknownLanguageHasNoHighlighter()
    {
        QVERIFY(CodeHighlighter::create(QStringLiteral("no-such-language-xyz"), ColorScheme::Light) == nullptr);
    }

    void colorsKeywordsStringsAndComments()
    {
        auto h = CodeHighlighter::create(QStringLiteral("cpp"), ColorScheme::Light);
        const QString line = QStringLiteral("return foo(\"text\", 42); // note");
        QList<QTextLayout::FormatRange> formats;
        h->highlightLine(line, 0, formats);
        const QColor keyword = colorAt(formats, 0);
        const QColor string = colorAt(formats, int(line.indexOf(u'"')) + 1);
        const QColor number = colorAt(formats, int(line.indexOf(QLatin1String("42"))));
        const QColor comment = colorAt(formats, int(line.indexOf(QLatin1String("note"))));
        QVERIFY(keyword.isValid());
        QVERIFY(string.isValid());
        QVERIFY(comment.isValid());
        QVERIFY(keyword != string);
        QVERIFY(string != comment);
        QVERIFY(!colorAt(formats, int(line.indexOf(u','))).isValid() || !isBuiltin());
        if (isBuiltin()) QVERIFY(number.isValid());
    }

    void blockCommentContinuesOnNextLine()
    {
        auto h = CodeHighlighter::create(QStringLiteral("java"), ColorScheme::Dark);
        QList<QTextLayout::FormatRange> first, second, third;
        const int s1 = h->highlightLine(QStringLiteral("int x; /* starts"), 0, first);
        const int s2 = h->highlightLine(QStringLiteral("still comment"), s1, second);
        h->highlightLine(QStringLiteral("ends */ return"), s2, third);
        QVERIFY(s1 != 0);
        const QColor comment = colorAt(second, 0);
        QVERIFY(comment.isValid());
        QCOMPARE(colorAt(third, 0), comment);
        QVERIFY(colorAt(third, 9) != comment);  // "return" after the comment closed
    }

    void pythonTripleQuotedStringSpansLines()
    {
        auto h = CodeHighlighter::create(QStringLiteral("python"), ColorScheme::Light);
        QList<QTextLayout::FormatRange> a, b, c;
        const int s1 = h->highlightLine(QStringLiteral("doc = \"\"\"first"), 0, a);
        const int s2 = h->highlightLine(QStringLiteral("def not_code():"), s1, b);
        const int s3 = h->highlightLine(QStringLiteral("\"\"\" + x"), s2, c);
        QVERIFY(s1 != 0);
        QCOMPARE(colorAt(b, 0), colorAt(a, 8));  // the "def" inside the string is string-coloured
        QCOMPARE(s3, 0);
    }

    void markdownDocumentHighlightsOnlyFencedCode()
    {
        MessageTextView view(ColorScheme::Light);
        // Streamed in pieces: the code arrives in a later part than the prose.
        view.setMarkdownText(QStringLiteral("return is a word here.\n\n"));
        view.setMarkdownText(QStringLiteral("return is a word here.\n\n```cpp\nreturn 0;\n```\n"));
        bool proseColoured = false;
        bool codeColoured = false;
        for (QTextBlock b = view.document()->begin(); b.isValid(); b = b.next()) {
            const bool code = b.blockFormat().hasProperty(QTextFormat::BlockCodeFence);
            const bool coloured = !b.layout()->formats().isEmpty();
            if (code && b.text().startsWith(QLatin1String("return"))) codeColoured = coloured;
            if (!code && b.text().startsWith(QLatin1String("return"))) proseColoured = coloured;
        }
        QVERIFY(codeColoured);
        QVERIFY(!proseColoured);
    }
};

QTEST_MAIN(HighlighterTest)
#include "highlighter_test.moc"
