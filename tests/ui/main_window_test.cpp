// The whole app, driven through its widgets with QTest key and mouse events, against the real CPU
// engine on the embedded Fathom Tiny Coder and a real SQLite database: send streams a reply into
// the view and the database, Esc stops it mid-stream, regenerate and edit make branches, search
// finds chats, and a restart reopens the same conversations.
#include "app/services/app_startup.h"
#include "app/services/chat_session.h"
#include "app/services/chat_store.h"
#include "app/services/engine_bridge.h"
#include "storage/conversation_store.h"
#include "storage/database.h"
#include "storage/settings.h"
#include "ui/chat/chat_view.h"
#include "ui/chat/message_text_view.h"
#include "ui/chat/message_widget.h"
#include "ui/editor/editor_page.h"
#include "ui/main/composer.h"
#include "ui/main/conversation_sidebar.h"
#include "ui/main/main_window.h"
#include "ui/models/models_page.h"
#include "ui/settings/conversation_settings_dialog.h"
#include "ui/settings/settings_dialog.h"

#include <QComboBox>
#include <QFile>
#include <QDoubleSpinBox>
#include <QSpinBox>
#include <QTimer>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QApplication>
#include <QGuiApplication>
#include <QKeySequence>
#include <QTest>
#include <QToolButton>

#include <memory>

using namespace fathom;
using namespace fathom::ui;

namespace {

// A single click that QTest does not merge with the previous test's click into a double click.
void click(QWidget* widget, Qt::MouseButton button = Qt::LeftButton, Qt::KeyboardModifiers modifiers = {},
           QPoint at = {})
{
    QTest::mouseClick(widget, button, modifiers, at, QApplication::doubleClickInterval() + 20);
}


const QString kModel = QStringLiteral(FATHOM_SOURCE_DIR "/resources/models/fathom-tiny-coder");

// The services and the window, built in the order main() builds them.
struct App {
    app::ChatStore store;
    app::EngineBridge bridge;
    app::ChatSession session{&store, &bridge};
    app::AppStartup startup{&store, &bridge, &session};
    MainWindow window{&store, &bridge, &session, &startup};
};

}  // namespace

class MainWindowTest final : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_db;
    std::unique_ptr<App> m_app;
    qint64 m_firstConversation = 0;

    void startApp(qint64 openConversation = 0)
    {
        m_app = std::make_unique<App>();
        StartOptions options;
        options.databasePath = m_db;
        options.openConversation = openConversation;
        options.theme = ThemeMode::Light;
        m_app->window.start(options);
        m_app->window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&m_app->window));
        QTRY_VERIFY_WITH_TIMEOUT(m_app->window.isSettled(), 60000);
    }

    MainWindow& window() { return m_app->window; }
    ChatView* view() { return window().chatView(); }

    // Waits until no reply is being written; false on timeout.
    bool waitIdle(int ms = 60000)
    {
        QElapsedTimer t;
        t.start();
        while (m_app->session.isGenerating() && t.elapsed() < ms) QTest::qWait(10);
        QTest::qWait(50);  // the store's last write and the view's last frame
        return !m_app->session.isGenerating();
    }

    void typeAndSend(const QString& text)
    {
        Composer* composer = window().composer();
        composer->setFocus();
        QTest::keyClicks(composer, text);
        QTest::keyClick(composer, Qt::Key_Return);
    }

    storage::Message lastStoredMessage(qint64 conversationId)
    {
        storage::Database db(m_db.toStdString());
        const auto path = storage::ConversationStore(db).activePath(conversationId);
        return path.empty() ? storage::Message{} : path.back();
    }

    void setGlobal(const QString& key, const QVariant& value)
    {
        QVariantMap settings;
        for (const storage::SettingSpec& s : storage::Settings::specs()) Q_UNUSED(s);
        m_app->store.setSetting(key, value);
        m_app->store.loadSettings();
        QSignalSpy loaded(&m_app->store, &app::ChatStore::settingsLoaded);
        QVERIFY(loaded.wait(5000));
        m_app->session.setGlobalSettings(loaded.first().first().toMap());
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_db = m_dir.filePath(QStringLiteral("chats.sqlite3"));
        qputenv("FATHOM_EMBEDDED_MODEL", kModel.toLocal8Bit());
        qputenv("HF_HUB_CACHE", m_dir.filePath(QStringLiteral("empty-hub")).toLocal8Bit());
        // Short greedy replies keep the suite fast and the text reproducible.
        storage::Database db(m_db.toStdString());
        storage::Settings settings(db);
        settings.setInt("chat.max_tokens", 40);
        settings.setDouble("chat.temperature", 0.0);
    }

    void startsOnTheEmbeddedModelWithoutAGpu()
    {
        startApp();
        QVERIFY(m_app->bridge.isLoaded());
        QCOMPARE(window().statusModel()->text(), QStringLiteral("fathom-tiny-coder"));
        QVERIFY(window().statusBackend()->text().contains(QStringLiteral("CPU")));
        QCOMPARE(window().modelPicker()->currentData().toString(), m_app->bridge.modelFolder());
    }

    void sendingStreamsAReplyIntoTheViewAndTheDatabase()
    {
        QSignalSpy streamed(&m_app->session, &app::ChatSession::replyText);
        Composer* composer = window().composer();
        composer->setFocus();
        QTest::keyClicks(composer, QStringLiteral("Write a function that adds"));
        QTest::keyClick(composer, Qt::Key_Return, Qt::ShiftModifier);  // Shift+Enter: new line, no send
        QVERIFY(composer->toPlainText().contains(u'\n'));
        QVERIFY(!m_app->session.isGenerating());
        QTest::keyClicks(composer, QStringLiteral("two numbers."));
        QTest::keyClick(composer, Qt::Key_Return);
        QTRY_VERIFY(m_app->session.isGenerating());
        QCOMPARE(window().sendButton()->text(), QStringLiteral("Stop"));
        QVERIFY(composer->toPlainText().isEmpty());
        QVERIFY(waitIdle());
        QCOMPARE(window().sendButton()->text(), QStringLiteral("Send"));

        QVERIFY(streamed.count() > 1);  // arrived piece by piece
        QCOMPARE(view()->messageCount(), 2);
        const QString shown = view()->messageAt(1)->textView()->toPlainText();
        QVERIFY(!shown.trimmed().isEmpty());
        QVERIFY(view()->messageAt(1)->statsLabel()->text().contains(QStringLiteral("tok/s")));

        const qint64 conversation = m_app->session.conversationId();
        QVERIFY(conversation > 0);
        m_firstConversation = conversation;
        storage::Database db(m_db.toStdString());
        const auto path = storage::ConversationStore(db).activePath(conversation);
        QCOMPARE(int(path.size()), 2);
        QCOMPARE(QString::fromStdString(path[0].content), QStringLiteral("Write a function that adds\ntwo numbers."));
        QVERIFY(path[1].status == storage::MessageStatus::Complete);
        QVERIFY(path[1].stats.completionTokens > 0);
        QVERIFY(!path[1].content.empty());
        QCOMPARE(window().sidebar()->list()->count(), 1);
    }

    void escapeStopsTheReplyMidStream()
    {
        setGlobal(QStringLiteral("chat.max_tokens"), 100000);
        setGlobal(QStringLiteral("chat.temperature"), 1.0);
        // The tiny model may end a reply on its own within a few tokens; try a few prompts until one
        // is still running when Esc arrives.
        bool stopped = false;
        double stopMs = 0;
        for (int attempt = 0; attempt < 5 && !stopped; ++attempt) {
            QTest::keyClick(&window(), Qt::Key_N, Qt::ControlModifier);
            QCOMPARE(view()->messageCount(), 0);
            QSignalSpy streamed(&m_app->session, &app::ChatSession::replyText);
            typeAndSend(QStringLiteral("Write a long Python module for parsing CSV files, attempt %1.").arg(attempt));
            QVERIFY(streamed.wait(30000));
            QElapsedTimer t;
            t.start();
            QTest::keyClick(&window(), Qt::Key_Escape);
            while (m_app->session.isGenerating() && t.elapsed() < 5000) QTest::qWait(1);
            stopMs = double(t.nsecsElapsed()) / 1e6;
            QVERIFY(waitIdle(5000));
            const storage::Message reply = lastStoredMessage(m_app->session.conversationId());
            stopped = reply.status == storage::MessageStatus::Stopped;
            if (stopped) QVERIFY(view()->messageAt(1)->statsLabel()->text().contains(QStringLiteral("stopped")));
        }
        QVERIFY(stopped);
        qInfo("Esc to stopped reply: %.1f ms", stopMs);
        setGlobal(QStringLiteral("chat.max_tokens"), 40);
        setGlobal(QStringLiteral("chat.temperature"), 0.0);
    }

    void regenerateMakesABranchAndArrowsSwitchBetweenThem()
    {
        QListWidget* list = window().sidebar()->list();
        QListWidgetItem* first = list->item(list->count() - 1);  // oldest: the first test's chat
        click(list->viewport(), Qt::LeftButton, {}, list->visualItemRect(first).center());
        QTRY_COMPARE(m_app->session.conversationId(), m_firstConversation);
        QCOMPARE(view()->messageCount(), 2);
        const QString original = view()->messageAt(1)->textView()->toPlainText();

        setGlobal(QStringLiteral("chat.temperature"), 1.0);  // a different reply, most likely
        click(view()->messageAt(1)->regenerateButton(), Qt::LeftButton);
        QTRY_VERIFY(m_app->session.isGenerating());
        QVERIFY(waitIdle());
        setGlobal(QStringLiteral("chat.temperature"), 0.0);
        MessageWidget* reply = view()->messageAt(1);
        QTRY_COMPARE(reply->siblingLabel()->text(), QStringLiteral("2/2"));
        QVERIFY(reply->siblingLabel()->isVisible());

        storage::Database db(m_db.toStdString());
        QCOMPARE(storage::ConversationStore(db).siblings(reply->messageId()).count, 2);

        click(reply->previousButton(), Qt::LeftButton);
        QTRY_COMPARE(view()->messageAt(1)->siblingLabel()->text(), QStringLiteral("1/2"));
        QCOMPARE(view()->messageAt(1)->textView()->toPlainText(), original);
        click(view()->messageAt(1)->nextButton(), Qt::LeftButton);
        QTRY_COMPARE(view()->messageAt(1)->siblingLabel()->text(), QStringLiteral("2/2"));
    }

    void editAndResendMakesABranchOfTheQuestion()
    {
        MessageWidget* question = view()->messageAt(0);
        click(question->editButton(), Qt::LeftButton);
        question->editor()->selectAll();
        QTest::keyClicks(question->editor(), QStringLiteral("Write a function that multiplies two numbers."));
        click(question->findChild<QPushButton*>(QStringLiteral("editSend")), Qt::LeftButton);
        QTRY_VERIFY(m_app->session.isGenerating());
        QVERIFY(waitIdle());
        QTRY_COMPARE(view()->messageAt(0)->siblingLabel()->text(), QStringLiteral("2/2"));
        QCOMPARE(view()->messageAt(0)->textView()->toPlainText(), QStringLiteral("Write a function that multiplies two numbers."));
        QCOMPARE(view()->messageCount(), 2);
    }

    void ctrlKSearchesEveryChat()
    {
        QTest::keyClick(&window(), Qt::Key_K, Qt::ControlModifier);
        QLineEdit* search = window().sidebar()->searchBox();
        QVERIFY(search->hasFocus());
        QTest::keyClicks(search, QStringLiteral("multiplies"));
        QTRY_COMPARE(window().sidebar()->list()->count(), 1);
        QVERIFY(window().sidebar()->list()->item(0)->text().contains(QStringLiteral("multiplies")));
        search->clear();
        QTRY_VERIFY(window().sidebar()->list()->count() >= 2);
    }

    // Issue 18: under Xvfb Ctrl+E did nothing while the composer had focus. With xcb's X11 key
    // scheme QPlainTextEdit and QLineEdit claim Ctrl+E (end of line) and Ctrl+K (delete to end of
    // line); the window's shortcuts must win wherever the focus is. ctest runs this slot on
    // offscreen with the rest and, on its own, under xvfb-run with xcb (FATHOM_EXPECT_X11_KEYS).
    void sidebarShortcutsWorkWhileTheComposerHasFocus()
    {
        if (!m_app)
            startApp();
        const bool x11Keys =
            QKeySequence::keyBindings(QKeySequence::MoveToEndOfLine).contains(QKeySequence(Qt::CTRL | Qt::Key_E));
        if (qEnvironmentVariableIsSet("FATHOM_EXPECT_X11_KEYS"))
            QVERIFY2(x11Keys, "this platform does not bind Ctrl+E to end-of-line, so the case is not exercised");
        else if (!x11Keys)
            qInfo("platform %s binds no Ctrl+E in text widgets; the xcb run of this slot is the real check",
                  qPrintable(QGuiApplication::platformName()));
        window().activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window()));
        window().showChat();
        Composer* composer = window().composer();
        composer->setFocus();
        QTRY_VERIFY(composer->hasFocus());
        QTest::keyClicks(composer, QStringLiteral("draft"));
        QTest::keyClick(composer, Qt::Key_E, Qt::ControlModifier);
        QTRY_VERIFY(window().editorPage()->isVisible());

        window().showChat();
        composer->setFocus();
        QTRY_VERIFY(composer->hasFocus());
        QTest::keyClick(composer, Qt::Key_K, Qt::ControlModifier);
        QTRY_VERIFY(window().sidebar()->searchBox()->hasFocus());
        QCOMPARE(composer->toPlainText(), QStringLiteral("draft"));  // Ctrl+K did not delete to end of line

        QTest::keyClick(window().sidebar()->searchBox(), Qt::Key_E, Qt::ControlModifier);  // from the search box too
        QTRY_VERIFY(window().editorPage()->isVisible());
        window().showChat();
        composer->clear();
    }

    void settingsDialogStoresThroughStorageSettings()
    {
        QTimer::singleShot(0, this, [] {
            auto* dialog = qobject_cast<SettingsDialog*>(QApplication::activeModalWidget());
            QVERIFY(dialog);
            auto* theme = qobject_cast<QComboBox*>(dialog->editor(QStringLiteral("ui.theme")));
            theme->setCurrentIndex(theme->findData(QStringLiteral("dark")));
            qobject_cast<QSpinBox*>(dialog->editor(QStringLiteral("chat.context_length")))->setValue(2048);
            dialog->accept();
        });
        click(window().sidebar()->findChild<QPushButton*>(QStringLiteral("settingsButton")));
        QVERIFY(Theme::current() == ColorScheme::Dark);
        QTRY_COMPARE(view()->messageCount(), 2);  // re-rendered in the dark colours
        QTRY_VERIFY([this] {
            storage::Database db(m_db.toStdString());
            storage::Settings s(db);
            return s.getString("ui.theme") == "dark" && s.getInt("chat.context_length") == 2048;
        }());
    }

    void conversationSettingsAreStoredWithTheChat()
    {
        const qint64 conversation = m_app->session.conversationId();
        QTimer::singleShot(0, this, [] {
            auto* dialog = qobject_cast<ConversationSettingsDialog*>(QApplication::activeModalWidget());
            QVERIFY(dialog);
            dialog->findChild<QPlainTextEdit*>()->setPlainText(QStringLiteral("Answer in one sentence."));
            dialog->findChildren<QDoubleSpinBox*>().first()->setValue(0.3);  // temperature
            dialog->accept();
        });
        click(window().findChild<QToolButton*>(QStringLiteral("conversationSettingsButton")));
        QTRY_VERIFY([&] {
            storage::Database db(m_db.toStdString());
            const storage::Conversation c = storage::ConversationStore(db).conversation(conversation);
            return c.systemPrompt == std::optional<std::string>("Answer in one sentence.") && c.samplingJson &&
                   c.samplingJson->find("\"temperature\":0.3") != std::string::npos;
        }());
    }

    void restartReopensTheSameConversations()
    {
        window().resize(1100, 700);
        window().close();  // saves the window geometry through Settings
        const qint64 conversation = m_app->session.conversationId();
        QList<qint64> ids;
        QStringList texts;
        for (int i = 0; i < view()->messageCount(); ++i) {
            ids << view()->messageAt(i)->messageId();
            texts << view()->messageAt(i)->textView()->toPlainText();
        }
        const int chats = window().sidebar()->list()->count();
        m_app.reset();

        startApp(conversation);
        QCOMPARE(window().sidebar()->list()->count(), chats);
        QCOMPARE(m_app->session.conversationId(), conversation);
        QCOMPARE(view()->messageCount(), int(ids.size()));
        for (int i = 0; i < ids.size(); ++i) {
            QCOMPARE(view()->messageAt(i)->messageId(), ids[i]);
            QCOMPARE(view()->messageAt(i)->textView()->toPlainText(), texts[i]);
        }
        QCOMPARE(view()->messageAt(0)->siblingLabel()->text(), QStringLiteral("2/2"));
        QCOMPARE(window().size(), QSize(1100, 700));
    }

    void aLinkFromTheModelOpensOnlyAfterShowingItsAddress()
    {
        const QUrl url(QStringLiteral("https://example.com/looks-safe?next=https://evil.example/"));
        QString shown;
        QTimer::singleShot(0, this, [&shown] {
            auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
            QVERIFY(box);
            shown = box->text();
            box->button(QMessageBox::Cancel)->click();  // and nothing is opened
        });
        emit view()->linkClicked(url);
        QVERIFY(shown.contains(url.toString()));
    }

    void modelsPageListsModelsOnDiskAndLoadsOne()
    {
        click(window().sidebar()->findChild<QPushButton*>(QStringLiteral("modelsButton")));
        ModelsPage* page = window().modelsPage();
        QVERIFY(page->isVisible());
        QCOMPARE(page->list()->count(), 1);
        QVERIFY(page->list()->item(0)->text().contains(QStringLiteral("fathom-tiny-coder")));
        page->list()->setCurrentRow(0);
        QSignalSpy loaded(&m_app->bridge, &app::EngineBridge::modelLoaded);
        click(page->findChild<QPushButton*>(QStringLiteral("loadModel")));
        QVERIFY(loaded.wait(60000));
        QVERIFY(!page->isVisible());  // back to the chat
    }

    void deletingAChatAsksThenRemovesIt()
    {
        const int before = window().sidebar()->list()->count();
        QListWidgetItem* last = window().sidebar()->list()->item(before - 1);
        const qint64 id = last->data(Qt::UserRole + 1).toLongLong();
        QVERIFY(id > 0);
        QTimer::singleShot(0, this, [] {
            auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
            QVERIFY(box);
            box->button(QMessageBox::Yes)->click();
        });
        emit window().sidebar()->deleteRequested(id);
        QTRY_COMPARE(window().sidebar()->list()->count(), before - 1);
        storage::Database db(m_db.toStdString());
        QVERIFY(!storage::ConversationStore(db).findConversation(id).has_value());
    }

    void aReplyCutByACrashShowsAsInterrupted()
    {
        m_app.reset();
        qint64 conversation = 0;
        {
            storage::Database db(m_db.toStdString());
            storage::ConversationStore store(db);
            conversation = store.createConversation("crashed");
            const auto q = store.addMessage(conversation, 0, storage::MessageRole::User, "Count to ten.");
            const auto r = store.beginReply(conversation, q, "fathom-tiny-coder", "{}");
            store.updateReply(r, "one two thr", "", 3);  // then the process died
        }
        startApp(conversation);
        QCOMPARE(view()->messageCount(), 2);
        QVERIFY(view()->messageAt(1)->statsLabel()->text().contains(QStringLiteral("interrupted")));
        QCOMPARE(view()->messageAt(1)->textView()->toPlainText(), QStringLiteral("one two thr"));
    }

    void modelLoadingCanBeCancelled()
    {
        QSignalSpy failed(&m_app->bridge, &app::EngineBridge::modelLoadFailed);
        QElapsedTimer t;
        t.start();
        window().loadModel(kModel);
        QVERIFY(t.elapsed() < 50);  // the GUI thread does not wait for the load
        m_app->bridge.cancelLoad();
        QVERIFY(failed.wait(30000));
        QCOMPARE(failed.first().at(1).toBool(), true);
        QVERIFY(!m_app->bridge.isLoaded());
        window().loadModel(kModel);
        QTRY_VERIFY_WITH_TIMEOUT(m_app->bridge.isLoaded(), 60000);
    }

    void withoutAModelItSaysWhatToDo()
    {
        m_app.reset();
        qputenv("FATHOM_EMBEDDED_MODEL", m_dir.filePath(QStringLiteral("no-such-model")).toLocal8Bit());
        startApp();
        QVERIFY(!m_app->bridge.isLoaded());
        QTest::keyClick(&window(), Qt::Key_N, Qt::ControlModifier);
        QLabel* placeholder = view()->findChild<QLabel*>(QStringLiteral("chatPlaceholder"));
        QVERIFY(placeholder->isVisible());
        QVERIFY(placeholder->text().contains(QStringLiteral("Models")));
        QSignalSpy notice(&m_app->session, &app::ChatSession::notice);
        typeAndSend(QStringLiteral("hello?"));
        QCOMPARE(notice.count(), 1);
        QVERIFY(notice.first().first().toString().contains(QStringLiteral("Models")));
        QCOMPARE(view()->messageCount(), 0);
        qputenv("FATHOM_EMBEDDED_MODEL", kModel.toLocal8Bit());
    }

    void aGgufFileShowsItsQuantInThePickerAndStatusBar()
    {
        startApp();
        // What the models page reports after a scan: a runnable GGUF (an Ollama-style blob name).
        const QString blob = m_dir.filePath(QStringLiteral("sha256-0123"));
        QFile::remove(blob);
        QVERIFY(QFile::copy(QStringLiteral(FATHOM_TEST_DATA "/gguf/v2lite-mixed.gguf"), blob));
        emit window().modelsPage()->ggufModelsChanged({{QStringLiteral("Tiny-V2"), blob, false, QStringLiteral("Q4_K_M")}});
        QComboBox* picker = window().modelPicker();
        const int index = picker->findData(blob);
        QVERIFY(index >= 0);
        QCOMPARE(picker->itemText(index), QStringLiteral("Tiny-V2 · Q4_K_M"));
        QSignalSpy loaded(&m_app->bridge, &app::EngineBridge::modelLoaded);
        emit picker->activated(index);
        QVERIFY(loaded.wait(60000));
        QCOMPARE(m_app->bridge.modelFolder(), blob);
        QCOMPARE(window().statusModel()->text(), QStringLiteral("Tiny-V2 · Q4_K_M"));
        QVERIFY(window().statusBackend()->text().contains(QStringLiteral("CPU")));
        QCOMPARE(picker->currentData().toString(), blob);
    }

    void cleanupTestCase() { m_app.reset(); }
};

QTEST_MAIN(MainWindowTest)
#include "main_window_test.moc"
