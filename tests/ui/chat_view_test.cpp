// ChatView and MessageWidget without an engine: streamed text shows within a frame, branch arrows
// show "‹ 2/3 ›" and ask for the neighbour, thinking is folded above the answer, Copy copies a code
// block, editing a message asks to resend it.
#include "ui/chat/chat_view.h"
#include "ui/chat/message_text_view.h"
#include "ui/chat/message_widget.h"

#include <QApplication>
#include <QClipboard>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <QToolButton>

using namespace fathom;
using namespace fathom::ui;

namespace {

// A single click that QTest does not merge with the previous test's click into a double click.
void click(QWidget* widget, Qt::MouseButton button = Qt::LeftButton, Qt::KeyboardModifiers modifiers = {},
           QPoint at = {})
{
    QTest::mouseClick(widget, button, modifiers, at, QApplication::doubleClickInterval() + 20);
}


app::ChatMessage message(qint64 id, app::Role role, const QString& content)
{
    app::ChatMessage m;
    m.id = id;
    m.parentId = id - 1;
    m.role = role;
    m.content = content;
    return m;
}

}  // namespace

class ChatViewTest final : public QObject {
    Q_OBJECT
private slots:
    void streamedTextAppearsWithinAFrame()
    {
        ChatView view(ColorScheme::Light);
        view.resize(800, 600);
        view.show();
        app::ChatMessage reply = message(2, app::Role::Assistant, QString());
        reply.status = app::MessageStatus::Streaming;
        view.setMessages({message(1, app::Role::User, QStringLiteral("hi")), reply});
        view.appendText(2, QStringLiteral("Hello "));
        view.appendText(2, QStringLiteral("**world**"));
        QVERIFY(view.messageAt(1)->needsRender());
        QTRY_VERIFY_WITH_TIMEOUT(!view.messageAt(1)->needsRender(), 200);
        QCOMPARE(view.messageAt(1)->textView()->toPlainText(), QStringLiteral("Hello world"));
    }

    void branchArrowsShowPositionAndAskForNeighbour()
    {
        ChatView view(ColorScheme::Light);
        view.show();
        app::ChatMessage reply = message(2, app::Role::Assistant, QStringLiteral("second try"));
        reply.siblingIndex = 1;
        reply.siblingCount = 3;
        view.setMessages({message(1, app::Role::User, QStringLiteral("q")), reply});
        MessageWidget* w = view.messageAt(1);
        QVERIFY(w->siblingLabel()->isVisible());
        QCOMPARE(w->siblingLabel()->text(), QStringLiteral("2/3"));
        QVERIFY(w->previousButton()->isEnabled());
        QVERIFY(w->nextButton()->isEnabled());
        QVERIFY(!view.messageAt(0)->siblingLabel()->isVisible());  // a message without versions
        QSignalSpy spy(&view, &ChatView::siblingRequested);
        click(w->previousButton(), Qt::LeftButton);
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.first().at(0).toLongLong(), 2);
        QCOMPARE(spy.first().at(1).toInt(), -1);
    }

    void thinkingIsFoldedAboveTheAnswer()
    {
        ChatView view(ColorScheme::Dark);
        view.resize(800, 600);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        app::ChatMessage reply = message(2, app::Role::Assistant, QStringLiteral("The answer is 4."));
        reply.reasoning = QStringLiteral("2 plus 2 is 4, the user wants a number.");
        view.setMessages({message(1, app::Role::User, QStringLiteral("2+2?")), reply});
        MessageWidget* w = view.messageAt(1);
        QVERIFY(w->thinkingToggle()->isVisible());
        QVERIFY(!w->thinkingView()->isVisible());
        QCOMPARE(w->textView()->toPlainText(), QStringLiteral("The answer is 4."));
        QTRY_VERIFY(w->thinkingToggle()->width() > 0);
        click(w->thinkingToggle(), Qt::LeftButton);
        QVERIFY(w->thinkingView()->isVisible());
        QVERIFY(static_cast<MessageTextView*>(w->thinkingView())->toPlainText().contains(QStringLiteral("2 plus 2")));
    }

    void reasoningCanBeHiddenBySetting()
    {
        ChatView view(ColorScheme::Light);
        view.show();
        app::ChatMessage reply = message(2, app::Role::Assistant, QStringLiteral("Answer."));
        reply.reasoning = QStringLiteral("private musings");
        view.setMessages({message(1, app::Role::User, QStringLiteral("q")), reply});
        QVERIFY(!view.messageAt(1)->thinkingToggle()->isHidden());
        view.setShowReasoning(false);
        QVERIFY(view.messageAt(1)->thinkingToggle()->isHidden());
        QCOMPARE(view.messageAt(1)->textView()->toPlainText(), QStringLiteral("Answer."));
        view.setShowReasoning(true);
        QVERIFY(!view.messageAt(1)->thinkingToggle()->isHidden());
    }

    void streamedThinkingShowsWhileOpen()
    {
        ChatView view(ColorScheme::Light);
        view.show();
        app::ChatMessage reply = message(2, app::Role::Assistant, QString());
        reply.status = app::MessageStatus::Streaming;
        view.setMessages({message(1, app::Role::User, QStringLiteral("q")), reply});
        view.appendText(2, QStringLiteral("<think>\nconsidering"));
        view.flush();
        MessageWidget* w = view.messageAt(1);
        QVERIFY(w->thinkingToggle()->text().contains(QStringLiteral("Thinking")));
        QVERIFY(w->textView()->toPlainText().isEmpty());
        view.appendText(2, QStringLiteral(" options</think>\n\nDone."));
        view.flush();
        QVERIFY(w->thinkingToggle()->text().contains(QStringLiteral("Thought")));
        QCOMPARE(w->textView()->toPlainText(), QStringLiteral("Done."));
    }

    void copyLinkCopiesTheCodeBlock()
    {
        ChatView view(ColorScheme::Light);
        view.resize(800, 600);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setMessages({message(1, app::Role::User, QStringLiteral("q")),
                          message(2, app::Role::Assistant, QStringLiteral("```rust\nfn main() {}\n```\n"))});
        MessageTextView* text = view.messageAt(1)->textView();
        QTRY_VERIFY(text->height() > 20);
        const int copyAt = int(text->toPlainText().indexOf(QStringLiteral("Copy")));
        QVERIFY(copyAt >= 0);
        QTextCursor c(text->document());
        c.setPosition(copyAt + 1);
        QApplication::clipboard()->clear();
        click(text->viewport(), Qt::LeftButton, {}, text->cursorRect(c).center());
        QCOMPARE(QApplication::clipboard()->text(), QStringLiteral("fn main() {}"));
    }

    void editingAMessageAsksToResendIt()
    {
        ChatView view(ColorScheme::Light);
        view.show();
        view.setMessages({message(1, app::Role::User, QStringLiteral("old question"))});
        MessageWidget* w = view.messageAt(0);
        QSignalSpy spy(&view, &ChatView::editSubmitted);
        click(w->editButton(), Qt::LeftButton);
        QVERIFY(w->editor()->isVisible());
        w->editor()->setPlainText(QStringLiteral("new question"));
        click(w->findChild<QPushButton*>(QStringLiteral("editSend")), Qt::LeftButton);
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.first().at(0).toLongLong(), 1);
        QCOMPARE(spy.first().at(1).toString(), QStringLiteral("new question"));
    }

    void stoppedAndInterruptedRepliesSaySo()
    {
        ChatView view(ColorScheme::Light);
        view.show();
        app::ChatMessage stopped = message(2, app::Role::Assistant, QStringLiteral("partial"));
        stopped.status = app::MessageStatus::Stopped;
        stopped.stats.generatedTokens = 7;
        stopped.stats.tokensPerSecond = 12.5;
        stopped.stats.timeToFirstTokenMs = 80;
        app::ChatMessage interrupted = message(4, app::Role::Assistant, QStringLiteral("cut"));
        interrupted.status = app::MessageStatus::Interrupted;
        view.setMessages({message(1, app::Role::User, QStringLiteral("a")), stopped,
                          message(3, app::Role::User, QStringLiteral("b")), interrupted});
        const QString stats = view.messageAt(1)->statsLabel()->text();
        QVERIFY(stats.contains(QStringLiteral("stopped")));
        QVERIFY(stats.contains(QStringLiteral("7 tokens")));
        QVERIFY(stats.contains(QStringLiteral("12.5 tok/s")));
        QVERIFY(stats.contains(QStringLiteral("first token 80 ms")));
        QVERIFY(view.messageAt(3)->statsLabel()->text().contains(QStringLiteral("interrupted")));
    }
};

QTEST_MAIN(ChatViewTest)
#include "chat_view_test.moc"
