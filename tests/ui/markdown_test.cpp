// Markdown rendering of model output: incremental while streaming yet equal to a full render, code
// blocks with a working Copy link, and nothing fetched or opened by itself (docs/RELIABILITY.md,
// "Showing model output").
#include "ui/chat/markdown_renderer.h"
#include "ui/chat/message_text_view.h"
#include "ui/chat/safe_text_document.h"

#include <QAbstractTextDocumentLayout>
#include <QSignalSpy>
#include <QTcpServer>
#include <QApplication>
#include <QTest>
#include <QTextBlock>

using namespace fathom::ui;

namespace {

// A single click that QTest does not merge with the previous test's click into a double click.
void click(QWidget* widget, Qt::MouseButton button = Qt::LeftButton, Qt::KeyboardModifiers modifiers = {},
           QPoint at = {})
{
    QTest::mouseClick(widget, button, modifiers, at, QApplication::doubleClickInterval() + 20);
}


const MarkdownStyle kStyle{QColor(0xee, 0xee, 0xee), QColor(0xdd, 0xdd, 0xdd), QColor(Qt::blue)};

const char* kReply =
    "Here is a function:\n\n"
    "```python\ndef add(a, b):\n\n    return a + b\n```\n\n"
    "It **adds** two numbers. A list:\n\n"
    "- first\n- second\n\n"
    "## Notes\n\n"
    "Call `add(1, 2)` and see [the docs](https://example.com/docs).\n\n"
    "```cpp\nint main() { return 0; }\n```\n";

}  // namespace

class MarkdownTest final : public QObject {
    Q_OBJECT
private slots:
    void settledLengthCutsOnlyOutsideCodeFences()
    {
        QCOMPARE(MarkdownRenderer::settledLength(QStringLiteral("one\n\ntwo")), 5);
        QCOMPARE(MarkdownRenderer::settledLength(QStringLiteral("```\na\n\nb\n```\n")), 0);
        QCOMPARE(MarkdownRenderer::settledLength(QStringLiteral("- a\n\n  continued\n")), 0);  // indented: same item
        QCOMPARE(MarkdownRenderer::settledLength(QStringLiteral("unfinished line")), 0);
    }

    void streamingRenderEqualsFullRender()
    {
        const QString text = QString::fromUtf8(kReply);
        QTextDocument full;
        MarkdownRenderer fullRenderer(&full, kStyle);
        fullRenderer.setMarkdown(text);

        QTextDocument streamed;
        MarkdownRenderer streamRenderer(&streamed, kStyle);
        for (int i = 3; i < text.size(); i += 3) streamRenderer.setMarkdown(text.left(i));
        streamRenderer.setMarkdown(text);

        QCOMPARE(streamed.toPlainText(), full.toPlainText());
        QCOMPARE(streamRenderer.codeBlockCount(), 2);
        QCOMPARE(fullRenderer.codeBlockCount(), 2);
        QCOMPARE(streamRenderer.codeBlock(0), QStringLiteral("def add(a, b):\n\n    return a + b"));
        QCOMPARE(streamRenderer.codeBlock(1), QStringLiteral("int main() { return 0; }"));
        // Headings and lists survive the piecewise render.
        bool heading = false, list = false;
        for (QTextBlock b = streamed.begin(); b.isValid(); b = b.next()) {
            heading |= b.blockFormat().headingLevel() == 2 && b.text() == QLatin1String("Notes");
            list |= b.textList() != nullptr && b.text() == QLatin1String("second");
        }
        QVERIFY(heading);
        QVERIFY(list);
    }

    void everyCodeBlockHasACopyLinkToItsSource()
    {
        QTextDocument doc;
        MarkdownRenderer r(&doc, kStyle);
        r.setMarkdown(QString::fromUtf8(kReply));
        QStringList hrefs;
        for (QTextBlock b = doc.begin(); b.isValid(); b = b.next())
            for (auto it = b.begin(); !it.atEnd(); ++it)
                if (it.fragment().charFormat().isAnchor()) hrefs << it.fragment().charFormat().anchorHref();
        QVERIFY(hrefs.contains(QStringLiteral("fathom-copy:0")));
        QVERIFY(hrefs.contains(QStringLiteral("fathom-copy:1")));
        QVERIFY(hrefs.contains(QStringLiteral("https://example.com/docs")));
    }

    void remoteImagesAreNeverFetched()
    {
        // A listening socket that counts connections: rendering must not connect.
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost));
        const QString url = QStringLiteral("http://127.0.0.1:%1/pixel.png").arg(server.serverPort());
        MessageTextView view(ColorScheme::Light);
        view.resize(600, 400);
        view.show();
        view.setMarkdownText(QStringLiteral("Look: ![tracker](%1) and ![local](file:///etc/hostname)\n").arg(url));
        QTest::qWait(200);
        QVERIFY(!server.hasPendingConnections());
        QVERIFY(view.toPlainText().contains(QStringLiteral("[image: %1]").arg(url)));
        for (QTextBlock b = view.document()->begin(); b.isValid(); b = b.next())
            for (auto it = b.begin(); !it.atEnd(); ++it) QVERIFY(!it.fragment().charFormat().isImageFormat());
    }

    void documentRefusesEveryResource()
    {
        SafeTextDocument doc;
        doc.setHtml(QStringLiteral("<img src=\"file:///etc/hostname\"><img src=\"http://127.0.0.1:9/x.png\">"));
        doc.setTextWidth(300);
        doc.size();  // layout asks for the images
        QVERIFY(doc.resource(QTextDocument::ImageResource, QUrl(QStringLiteral("file:///etc/hostname"))).isNull());
        QVERIFY(doc.refusedLoads() >= 1);
    }

    void clickingALinkOnlyReportsIt()
    {
        MessageTextView view(ColorScheme::Light);
        view.resize(500, 200);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setMarkdownText(QStringLiteral("[click me](https://example.com/a?b=c)\n"));
        QSignalSpy clicked(&view, &MessageTextView::linkClicked);
        const QString before = view.document()->toPlainText();
        QTextCursor c(view.document());
        c.setPosition(2);
        const QPoint at = view.cursorRect(c).center();
        click(view.viewport(), Qt::LeftButton, {}, at);
        QCOMPARE(clicked.count(), 1);
        QCOMPARE(clicked.first().first().toUrl(), QUrl(QStringLiteral("https://example.com/a?b=c")));
        QCOMPARE(view.document()->toPlainText(), before);  // no navigation happened
        QVERIFY(view.source().isEmpty());
    }
};

QTEST_MAIN(MarkdownTest)
#include "markdown_test.moc"
