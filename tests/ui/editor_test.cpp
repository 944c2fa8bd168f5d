// The code editor with ghost-text completion, tested through the real widget (offscreen) and the CPU
// engine on the embedded tiny coder: debounce, accept all / word / line as single undo steps, Esc,
// stale answers, typing through, cursor moves, Ctrl+Space, prefix reuse, and the editor basics.
#include "app/services/completion_prompter.h"
#include "inference/tokenizer/tokenizer.h"
#include "tests/ui/editor_test_fixture.h"
#include "ui/editor/code_editor.h"
#include "ui/editor/completion_client.h"
#include "ui/editor/completion_trimmer.h"
#include "ui/editor/editor_page.h"
#include "ui/editor/find_bar.h"
#include "ui/editor/text_suggestion.h"

#include <QApplication>
#include <QLineEdit>
#include <QMimeData>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBlock>

using namespace fathom;
using fathom::ui::CodeEditor;
using fathom::ui::CompletionClient;

namespace {

// Ends mid-identifier inside a function body: the tiny coder (trained on Python) continues it.
const char* kSource =
    "import os\n"
    "\n"
    "\n"
    "def read_file(path):\n"
    "    with open(path) as f:\n"
    "        return f.read()\n"
    "\n"
    "\n"
    "def write_file(path, data):\n"
    "    with open(path, \"w\") as f:\n"
    "        f.wr";

const char* kAfter = "\n\n\ndef main():\n    print(read_file(os.getcwd()))\n";

}  // namespace

class EditorTest final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<app::EngineBridge> m_bridge;
    std::unique_ptr<QWidget> m_window;
    CodeEditor* m_editor = nullptr;
    CompletionClient* m_client = nullptr;

    // A fresh editor holding kSource + kAfter with the cursor at the end of kSource.
    void freshEditor()
    {
        m_window = std::make_unique<QWidget>();
        m_window->resize(900, 600);
        m_editor = new CodeEditor(m_window.get());
        m_editor->resize(900, 600);
        m_editor->setLanguage(QStringLiteral("python"));
        m_editor->setPlainText(QString::fromUtf8(kSource) + QString::fromUtf8(kAfter));
        QTextCursor c = m_editor->textCursor();
        c.setPosition(int(QString::fromUtf8(kSource).size()));
        m_editor->setTextCursor(c);
        m_client = new CompletionClient(m_editor, m_bridge.get(), m_editor);
        m_client->setDebounceMs(250);
        m_window->show();
        m_editor->setFocus();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    }

    // Asks now and waits until the request has finished with a visible suggestion.
    void completeNow()
    {
        QSignalSpy finished(m_client, &CompletionClient::finished);
        m_client->requestNow();
        QVERIFY(finished.wait(20000));
        QVERIFY2(m_editor->hasVisibleSuggestion(), "the tiny coder suggested nothing at the cursor");
    }

    int cursor() const { return m_editor->textCursor().position(); }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QString error;
        m_bridge = test::loadedBridge(test::tinyCoderDir(), &error);
        QVERIFY2(m_bridge, qPrintable(error));
    }

    void cleanup()
    {
        m_window.reset();
        m_editor = nullptr;
        m_client = nullptr;
    }

    void trimmerStopsAtBlankLineAndDedent()
    {
        using T = ui::CompletionTrimmer;
        auto r = T::trim(QStringLiteral("x = 1\n        y = 2\n\n        z = 3"), QStringLiteral("        "), true);
        QCOMPARE(r.text, QStringLiteral("x = 1\n        y = 2"));
        QVERIFY(r.stop);
        r = T::trim(QStringLiteral("x = 1\n    return x\n"), QStringLiteral("        "), true);
        QCOMPARE(r.text, QStringLiteral("x = 1"));
        QVERIFY(r.stop);
        r = T::trim(QStringLiteral("\n    return a + b\n"), QStringLiteral("def add(a, b):"), true);
        QCOMPARE(r.text, QStringLiteral("\n    return a + b\n"));
        QVERIFY(!r.stop);
        r = T::trim(QStringLiteral("```python\nx = 1\n```\nmore"), QString(), true);
        QCOMPARE(r.text, QStringLiteral("x = 1"));
        QVERIFY(r.stop);
    }

    void suggestionSplitsWordsAndLines()
    {
        ui::TextSuggestion s(QStringLiteral("ite(data)\n        return True"), 10);
        QCOMPARE(s.nextWordLength(), 3);
        QVERIFY(s.consume(QStringLiteral("ite")));
        QCOMPARE(s.position(), 13);
        QCOMPARE(s.nextWordLength(), 1);  // "(" : one run of punctuation
        QCOMPARE(s.nextLineLength(), 7);  // "(data)\n"
        QVERIFY(!s.consume(QStringLiteral("x")));
        QCOMPARE(s.text(), QStringLiteral("(data)\n        return True"));
    }

    void promptUsesFimForBaseCoderAndChatForInstruct()
    {
        auto tok = inference::Tokenizer::load(test::tinyCoderDir().toStdString());
        using P = app::CompletionPrompter;
        QCOMPARE(P::chooseMode(*tok, "fathom-tiny-coder", "deepseek_v2"), P::Mode::Fim);
        QCOMPARE(P::chooseMode(*tok, "/hub/models--deepseek-ai--DeepSeek-Coder-V2-Lite-Instruct/snapshots/abc", "deepseek_v2"), P::Mode::Chat);
        QCOMPARE(P::chooseMode(*tok, "DeepSeek-V3", "deepseek_v3"), P::Mode::Chat);
        auto prompter = P::load(test::tinyCoderDir().toStdString());
        QCOMPARE(prompter->mode(), P::Mode::Fim);
        app::CompletionRequest request;
        request.prefix = QStringLiteral("def f():\n    ");
        request.suffix = QStringLiteral("\n");
        const inference::Request r = prompter->build(request);
        QCOMPARE(r.priority, inference::Priority::Interactive);
        QCOMPARE(r.promptTokens.at(1), *tok->tokenId("<｜fim▁begin｜>"));
        QCOMPARE(r.promptTokens.back(), *tok->tokenId("<｜fim▁end｜>"));
    }

    void instructModelGetsChatStylePrompt()
    {
        QTemporaryDir dir;
        for (const char* f : {"tokenizer.json", "tokenizer_config.json"})
            QVERIFY(QFile::copy(test::tinyCoderDir() + u'/' + QLatin1String(f), dir.filePath(QLatin1String(f))));
        QFile config(dir.filePath(QStringLiteral("config.json")));
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write(R"({"model_type": "deepseek_v2", "_name_or_path": "deepseek-ai/DeepSeek-Coder-V2-Lite-Instruct", "vocab_size": 4096})");
        config.close();
        auto prompter = app::CompletionPrompter::load(dir.path().toStdString());
        QCOMPARE(prompter->mode(), app::CompletionPrompter::Mode::Chat);
        app::CompletionRequest request;
        request.prefix = QStringLiteral("def add(a, b):\n    return ");
        request.suffix = QStringLiteral("\n");
        request.language = QStringLiteral("python");
        const std::string text = prompter->tokenizer().decode(prompter->build(request).promptTokens);
        QVERIFY2(text.find("User: Complete the python code at <CURSOR>") != std::string::npos, text.c_str());
        QVERIFY(text.find("    return <CURSOR>\n") != std::string::npos);
        QVERIFY(text.size() > 10 && text.compare(text.size() - 10, 10, "Assistant:") == 0);
    }

    void separateCompletionModelGetsItsOwnBridge()
    {
        ui::EditorPage page(m_bridge.get());
        QCOMPARE(page.completionBridge(), m_bridge.get());
        QVariantMap settings;
        settings.insert(QStringLiteral("editor.fim_model"), test::tinyCoderDir());
        settings.insert(QStringLiteral("engine.backend"), QStringLiteral("cpu"));
        page.applySettings(settings);
        app::EngineBridge* own = page.completionBridge();
        QVERIFY(own && own != m_bridge.get());
        QTRY_VERIFY_WITH_TIMEOUT(own->isLoaded(), 30000);
        CodeEditor* e = page.newFile(QStringLiteral("python"));
        QCOMPARE(page.clientFor(e)->bridge(), own);
        e->setPlainText(QString::fromUtf8(kSource));
        e->moveCursor(QTextCursor::End);
        QSignalSpy finished(page.clientFor(e), &CompletionClient::finished);
        page.clientFor(e)->requestNow();
        QVERIFY(finished.wait(20000));
        settings.insert(QStringLiteral("editor.fim_model"), QString());
        page.applySettings(settings);
        QCOMPARE(page.clientFor(e)->bridge(), m_bridge.get());
    }

    void droppedFilesOpenInTabs()
    {
        QTemporaryDir dir;
        QStringList paths = {dir.filePath(QStringLiteral("a.rs")), dir.filePath(QStringLiteral("b.go"))};
        for (const QString& p : paths) {
            QFile f(p);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("fn main() {}\n");
        }
        ui::EditorPage page(m_bridge.get());
        page.resize(800, 600);
        page.show();
        CodeEditor* first = page.newFile();
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(paths[0]), QUrl::fromLocalFile(paths[1])});
        QDropEvent drop(QPointF(50, 50), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QSignalSpy dropped(first, &CodeEditor::filesDropped);
        QSignalSpy messages(&page, &ui::EditorPage::statusMessage);
        QDragEnterEvent enter(QPoint(50, 50), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(first->viewport(), &enter);
        QVERIFY(enter.isAccepted());
        QApplication::sendEvent(first->viewport(), &drop);
        QCOMPARE(dropped.count(), 1);
        QVERIFY2(messages.isEmpty(), messages.isEmpty() ? "" : qPrintable(messages.first().first().toString()));
        QCOMPARE(page.editorCount(), 3);
        QCOMPARE(page.editorAt(1)->language(), QStringLiteral("rust"));
        QCOMPARE(page.editorAt(2)->language(), QStringLiteral("go"));
        QVERIFY(first->toPlainText().isEmpty());  // not pasted as text
    }

    void ghostTextAppearsAfterDebounce()
    {
        freshEditor();
        QSignalSpy sent(m_client, &CompletionClient::requestSent);
        QSignalSpy shown(m_client, &CompletionClient::suggestionShown);
        const QString before = m_editor->toPlainText();
        QTest::keyClicks(m_editor, QStringLiteral("i"));
        QTest::qWait(120);
        QCOMPARE(sent.count(), 0);  // still within the 250 ms pause
        QVERIFY(shown.wait(20000));
        QCOMPARE(sent.count(), 1);
        QVERIFY(m_editor->hasVisibleSuggestion());
        const QTextBlock block = m_editor->textCursor().block();
        QVERIFY(!block.layout()->preeditAreaText().isEmpty());  // drawn in place, in the cursor's line
        // Ghost text is not text: the document only has what was typed.
        QCOMPARE(m_editor->toPlainText(), before.left(cursor() - 1) + QStringLiteral("i") + before.mid(cursor() - 1));
    }

    void tabAcceptsWholeSuggestionAsOneUndoStep()
    {
        freshEditor();
        QTest::keyClicks(m_editor, QStringLiteral("i"));  // typing, then the suggestion: two undo steps
        completeNow();
        const QString typed = m_editor->toPlainText();
        const QString ghost = m_editor->suggestion()->text();
        const int at = cursor();
        QTest::keyClick(m_editor, Qt::Key_Tab);
        QCOMPARE(m_editor->toPlainText(), typed.left(at) + ghost + typed.mid(at));
        QCOMPARE(cursor(), at + int(ghost.size()));
        QVERIFY(!m_editor->hasVisibleSuggestion());
        QTest::keyClick(m_editor, Qt::Key_Z, Qt::ControlModifier);
        QCOMPARE(m_editor->toPlainText(), typed);  // one undo removes exactly the suggestion
    }

    void ctrlRightAcceptsWordCtrlDownAcceptsLine()
    {
        freshEditor();
        const QString start = m_editor->toPlainText();
        const int at = cursor();
        m_editor->showSuggestion(QStringLiteral("ite(data)\n        return True"), at);
        QTest::keyClick(m_editor, Qt::Key_Right, Qt::ControlModifier);
        QCOMPARE(m_editor->toPlainText().mid(at, 3), QStringLiteral("ite"));
        QCOMPARE(m_editor->suggestion()->text(), QStringLiteral("(data)\n        return True"));
        QTest::keyClick(m_editor, Qt::Key_Down, Qt::ControlModifier);
        QCOMPARE(m_editor->toPlainText().mid(at, 10), QStringLiteral("ite(data)\n"));
        QCOMPARE(m_editor->suggestion()->text(), QStringLiteral("        return True"));
        QCOMPARE(cursor(), at + 10);
        m_editor->undo();
        QCOMPARE(m_editor->toPlainText().mid(at, 4), QStringLiteral("ite\n"));  // the line was one step
        m_editor->undo();
        QCOMPARE(m_editor->toPlainText(), start);
    }

    void escapeDismissesAndCancels()
    {
        freshEditor();
        QSignalSpy shown(m_client, &CompletionClient::suggestionShown);
        m_client->requestNow();
        QVERIFY(shown.wait(20000));
        QTest::keyClick(m_editor, Qt::Key_Escape);
        QVERIFY(!m_editor->suggestion());
        QVERIFY(!m_client->isRequestInFlight());
        QTest::qWait(300);  // whatever the engine still sends is not shown
        QVERIFY(!m_editor->suggestion());
    }

    void staleAnswerIsDroppedWhenTheDocumentChanged()
    {
        freshEditor();
        QSignalSpy sent(m_client, &CompletionClient::requestSent);
        m_client->requestNow();
        QCOMPARE(sent.count(), 1);
        const quint64 ticket = sent.first().first().toULongLong();
        app::EngineRequest* engine = m_bridge->request(ticket);
        QVERIFY(engine);
        QSignalSpy engineDone(engine, &app::EngineRequest::finished);
        const quint64 revision = m_editor->revision();
        // An edit elsewhere (a formatter, another view) before any answer arrived.
        QTextCursor top(m_editor->document());
        top.insertText(QStringLiteral("# edited\n"));
        QVERIFY(m_editor->revision() > revision);
        QVERIFY(!m_client->isRequestInFlight());
        // A late answer for the old revision, as the engine's queue would deliver it.
        emit engine->token(QStringLiteral("STALE"));
        QTRY_VERIFY_WITH_TIMEOUT(!engineDone.isEmpty(), 20000);
        QTest::qWait(100);
        QVERIFY(m_client->staleAnswersDropped() >= 1);
        QVERIFY(!m_editor->suggestion());
        QVERIFY(!m_editor->toPlainText().contains(QStringLiteral("STALE")));
    }

    void typingThroughSuggestionKeepsIt()
    {
        freshEditor();
        completeNow();
        const QString ghost = m_editor->suggestion()->text();
        const int at = cursor();
        QVERIFY2(ghost.at(0) != u'\n', qPrintable(QStringLiteral("suggestion starts with a line break: ") + ghost));
        QTest::keyClicks(m_editor, ghost.left(1));
        QVERIFY(m_editor->hasVisibleSuggestion() || ghost.size() == 1);
        if (ghost.size() > 1) {
            QCOMPARE(m_editor->suggestion()->text(), ghost.mid(1));
            QCOMPARE(m_editor->suggestion()->position(), at + 1);
        }
        QTest::qWait(400);  // no new request replaced it after the debounce
        if (ghost.size() > 1) QCOMPARE(m_editor->suggestion()->text(), ghost.mid(1));
        // A character that does not match drops it.
        QTest::keyClicks(m_editor, QStringLiteral("\u00a7"));  // "§": in no suggestion of the tiny coder
        QVERIFY(!m_editor->hasVisibleSuggestion());
    }

    void cursorMoveCancelsTheRequest()
    {
        freshEditor();
        m_client->setMaxTokens(64);
        QSignalSpy sent(m_client, &CompletionClient::requestSent);
        m_client->requestNow();
        const quint64 ticket = sent.first().first().toULongLong();
        QVERIFY(m_bridge->request(ticket));
        QSignalSpy engineDone(m_bridge->request(ticket), &app::EngineRequest::finished);
        m_editor->moveCursor(QTextCursor::Up);
        QVERIFY(!m_client->isRequestInFlight());
        QTRY_VERIFY_WITH_TIMEOUT(!engineDone.isEmpty(), 20000);
        QVERIFY(!m_bridge->request(ticket));  // done: no longer routed
        const auto status = engineDone.first().at(1).value<app::MessageStatus>();
        // The engine stopped it (or, on a slow machine, finished first and its answer was dropped).
        QVERIFY(status == app::MessageStatus::Stopped || m_client->staleAnswersDropped() > 0);
        QTest::qWait(100);
        QVERIFY(!m_editor->suggestion());
    }

    void ctrlSpaceAsksWhenAutoTriggerIsOff()
    {
        freshEditor();
        m_client->setAutoTrigger(false);
        QSignalSpy sent(m_client, &CompletionClient::requestSent);
        QSignalSpy shown(m_client, &CompletionClient::suggestionShown);
        QTest::keyClicks(m_editor, QStringLiteral("i"));
        QTest::qWait(400);
        QCOMPARE(sent.count(), 0);
        QTest::keyClick(m_editor, Qt::Key_Space, Qt::ControlModifier);
        QCOMPARE(sent.count(), 1);
        QVERIFY(shown.wait(20000));
    }

    void consecutiveRequestsReuseTheCachedPrefix()
    {
        freshEditor();
        // A longer file so the prefix dominates the prompt.
        QString body;
        for (int i = 0; i < 40; ++i) body += QStringLiteral("def helper_%1(x):\n    return x * %1\n\n\n").arg(i);
        QTextCursor top(m_editor->document());
        top.insertText(body);
        m_editor->moveCursor(QTextCursor::End);
        m_editor->moveCursor(QTextCursor::Up);
        m_editor->moveCursor(QTextCursor::Up);
        m_editor->moveCursor(QTextCursor::EndOfLine);
        QSignalSpy finished(m_client, &CompletionClient::finished);
        m_client->requestNow();
        QVERIFY(finished.wait(20000));
        m_editor->clearSuggestion();
        QTest::keyClicks(m_editor, QStringLiteral(" "));
        m_client->requestNow();
        QVERIFY(finished.wait(20000));
        const auto second = finished.last().first().value<ui::CompletionMetrics>();
        qInfo("second request: prompt %lld tokens, %lld reused from the KV cache", second.promptTokens, second.cachedPromptTokens);
        QVERIFY(second.promptTokens > 500);
        QVERIFY(second.cachedPromptTokens > second.promptTokens * 8 / 10);
    }

    void multiLineGhostPushesLinesDown()
    {
        freshEditor();
        const QTextBlock block = m_editor->textCursor().block();
        const qreal one = m_editor->document()->documentLayout()->blockBoundingRect(block).height();
        m_editor->showSuggestion(QStringLiteral("ite(data)\n        return True\n        # done"), cursor());
        const qreal three = m_editor->document()->documentLayout()->blockBoundingRect(block).height();
        QCOMPARE(qRound(three), qRound(3 * one));
        m_editor->clearSuggestion();
        QCOMPARE(qRound(m_editor->document()->documentLayout()->blockBoundingRect(block).height()), qRound(one));
    }

    void autoIndentsAndMatchesBrackets()
    {
        freshEditor();
        m_editor->setPlainText(QString());
        QTest::keyClicks(m_editor, QStringLiteral("def f(x):"));
        QTest::keyClick(m_editor, Qt::Key_Return);
        QTest::keyClicks(m_editor, QStringLiteral("return (x"));
        QCOMPARE(m_editor->toPlainText(), QStringLiteral("def f(x):\n    return (x"));
        m_editor->moveCursor(QTextCursor::StartOfLine);
        QTest::keyClick(m_editor, Qt::Key_Return);
        QCOMPARE(m_editor->toPlainText(), QStringLiteral("def f(x):\n\n    return (x"));
        m_editor->setPlainText(QStringLiteral("f(a[1])"));
        QTextCursor c = m_editor->textCursor();
        c.setPosition(1);  // before "("
        m_editor->setTextCursor(c);
        const auto sel = m_editor->extraSelections();
        QCOMPARE(sel.size(), 3);  // current line + the two brackets
        QCOMPARE(sel.at(1).cursor.selectionStart(), 1);
        QCOMPARE(sel.at(2).cursor.selectionStart(), 6);
    }

    void pageOpensSavesFindsAndReplaces()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("sample.py"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("x = 1\nx = x + 1\n");
        f.close();
        QFile bin(dir.filePath(QStringLiteral("blob.bin")));
        QVERIFY(bin.open(QIODevice::WriteOnly));
        bin.write(QByteArray("\x7f" "ELF\0\0\0", 7));
        bin.close();

        ui::EditorPage page(m_bridge.get());
        QSignalSpy messages(&page, &ui::EditorPage::statusMessage);
        CodeEditor* e = page.openFile(path);
        QVERIFY(e);
        QCOMPARE(e->language(), QStringLiteral("python"));
        QCOMPARE(page.openFile(path), e);  // already open: same tab
        QCOMPARE(page.editorCount(), 1);
        QVERIFY(page.recentFiles().contains(QFileInfo(path).absoluteFilePath()));
        QVERIFY(!page.openFile(bin.fileName()));
        QVERIFY(messages.last().first().toString().contains(QStringLiteral("blob.bin: looks binary")));
        QVERIFY(page.clientFor(e));

        page.findBar()->setEditor(e);
        page.findBar()->findField()->setText(QStringLiteral("x"));
        page.findBar()->replaceField()->setText(QStringLiteral("y"));
        QCOMPARE(page.findBar()->replaceAll(), 3);
        QCOMPARE(e->toPlainText(), QStringLiteral("y = 1\ny = y + 1\n"));
        e->undo();  // replace all is one undo step
        QCOMPARE(e->toPlainText(), QStringLiteral("x = 1\nx = x + 1\n"));
        e->redo();
        QVERIFY(page.save(e));
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), QByteArray("y = 1\ny = y + 1\n"));
        QVERIFY(!e->document()->isModified());
    }
};

QTEST_MAIN(EditorTest)
#include "editor_test.moc"
