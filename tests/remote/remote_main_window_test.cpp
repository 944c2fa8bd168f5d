// The main window with a remote server configured: the model picker lists its models beside the
// local ones, a remote default model connects at start (status bar names the server), a typed
// message gets a folded R1 reply, and a rate limit shows in the status bar while it is waited out.
#include "app/remote/remote_server_list.h"
#include "app/services/app_startup.h"
#include "app/services/chat_session.h"
#include "app/services/chat_store.h"
#include "app/services/engine_bridge.h"
#include "storage/database.h"
#include "storage/settings.h"
#include "tests/remote/fake_openai_process.h"
#include "ui/main/composer.h"
#include "ui/main/main_window.h"

#include <QComboBox>
#include <QJsonArray>
#include <QLabel>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>

using namespace fathom;

namespace {

struct App {
    app::ChatStore store;
    app::EngineBridge bridge;
    app::ChatSession session{&store, &bridge};
    app::AppStartup startup{&store, &bridge, &session};
    ui::MainWindow window{&store, &bridge, &session, &startup};
};

}  // namespace

class RemoteMainWindowTest final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<test::FakeOpenAiServer> m_server;
    QTemporaryDir m_dir;
    QString m_db;
    std::unique_ptr<App> m_app;
    const QString m_ref = app::RemoteEndpoint::refFor(QStringLiteral("node"), QStringLiteral("deepseek-ai/DeepSeek-R1"));

private slots:
    void initTestCase()
    {
        m_server = std::make_unique<test::FakeOpenAiServer>();
        m_db = m_dir.filePath(QStringLiteral("chats.sqlite3"));
        // Settings as the dialog leaves them: one keyless server, its model the default.
        app::RemoteServer s;
        s.id = QStringLiteral("node");
        s.name = QStringLiteral("test node");
        s.baseUrl = QUrl(m_server->baseUrl());
        s.models = {QStringLiteral("deepseek-ai/DeepSeek-R1")};
        storage::Database db(m_db.toStdString());
        storage::Settings settings(db);
        settings.setJson("remote.servers", nlohmann::json::parse(app::RemoteServerList::toJson({s}).toStdString()));
        settings.setString("model.default", m_ref.toStdString());
    }

    void cleanupTestCase()
    {
        m_app.reset();
        m_server.reset();
    }

    void connectsTheRemoteDefaultModelAtStart()
    {
        m_server->setConfig({});
        m_app = std::make_unique<App>();
        ui::StartOptions options;
        options.databasePath = m_db;
        options.theme = ui::ThemeMode::Light;
        m_app->window.start(options);
        m_app->window.show();
        QTRY_VERIFY_WITH_TIMEOUT(m_app->window.isSettled(), 30000);
        QVERIFY(m_app->bridge.isLoaded());
        QCOMPARE(m_app->bridge.modelFolder(), m_ref);
        QCOMPARE(m_app->window.statusBackend()->text(), QStringLiteral("Remote: test node"));
        QComboBox* picker = m_app->window.modelPicker();
        const int i = picker->findData(m_ref);
        QVERIFY(i >= 0);
        QCOMPARE(picker->currentIndex(), i);
        QCOMPARE(picker->itemText(i), QStringLiteral("DeepSeek-R1 · test node"));
        QVERIFY(picker->findText(QStringLiteral("Fathom Tiny Coder (embedded)")) >= 0);  // local ones stay listed
    }

    void aTypedMessageGetsAFoldedReplyAndRateLimitsShowInTheStatusBar()
    {
        QJsonObject busy{{QStringLiteral("status"), 429}, {QStringLiteral("body"), QStringLiteral("{}")},
                         {QStringLiteral("headers"), QJsonObject{{QStringLiteral("Retry-After"), QStringLiteral("1")}}}};
        m_server->setConfig({{QStringLiteral("answers"), QJsonObject{{QStringLiteral("/v1/chat/completions"),
                              QJsonArray{busy, QJsonObject{{QStringLiteral("replay"), QStringLiteral("vllm_r1_reasoning.sse")}}}}}}});
        ui::Composer* composer = m_app->window.composer();
        composer->setFocus();
        QTest::keyClicks(composer, QStringLiteral("What is 17 + 25?"));
        QTest::keyClick(composer, Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(m_app->window.statusBar()->currentMessage().contains(QStringLiteral("trying again in 1 s")), 5000);
        QTRY_VERIFY_WITH_TIMEOUT(!m_app->session.isGenerating(), 15000);
        const app::ChatMessage reply = m_app->session.path().last();
        QCOMPARE(reply.status, app::MessageStatus::Complete);
        QCOMPARE(reply.content, QStringLiteral("17 + 25 = **42**."));
        QCOMPARE(reply.reasoning, QStringLiteral("Okay, the user wants the sum of 17 and 25. 17 + 25 = 42."));
        QVERIFY(m_app->window.statusSpeed()->text().endsWith(QStringLiteral("tok/s")));
    }
};

QTEST_MAIN(RemoteMainWindowTest)
#include "remote_main_window_test.moc"
