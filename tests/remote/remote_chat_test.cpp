// The whole app path for a remote model: RemoteConnector (key from keyring or prompt) ->
// EngineBridge (its thread) -> RemoteBackend -> loopback server, and back through ChatSession into
// the SQLite chat store, where a remote R1 reply is kept exactly as a local one: answer and
// reasoning apart, an interrupted stream kept and marked, Regenerate writing a sibling.
#include "app/remote/api_key_store.h"
#include "app/remote/remote_connector.h"
#include "app/remote/remote_server_list.h"
#include "app/services/chat_session.h"
#include "app/services/chat_store.h"
#include "app/services/engine_bridge.h"
#include "tests/remote/fake_openai_process.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace fathom::app;
using fathom::test::FakeOpenAiServer;

namespace {

const QString kReasoning = QStringLiteral("Okay, the user wants the sum of 17 and 25. 17 + 25 = 42.");
const QString kAnswer = QStringLiteral("17 + 25 = **42**.");
const QString kKey = QStringLiteral("sk-fathom-test-4f9a1c");

QJsonObject chatAnswers(const QJsonArray& list)
{
    return {{QStringLiteral("require_key"), kKey},
            {QStringLiteral("answers"), QJsonObject{{QStringLiteral("/v1/chat/completions"), list}}}};
}

QJsonObject replay(const QString& file, const QJsonObject& extra = {})
{
    QJsonObject o = extra;
    o.insert(QStringLiteral("replay"), file);
    return o;
}

// The app's services as main() builds them, minus the widgets.
struct App {
    ChatStore store;
    EngineBridge bridge;
    ChatSession session{&store, &bridge};
    ApiKeyStore keys{QStringLiteral("Fathom remote servers (tests)")};
    RemoteConnector connector{&bridge, &keys};
};

}  // namespace

class RemoteChatTest final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<FakeOpenAiServer> m_server;
    std::unique_ptr<App> m_app;
    QTemporaryDir m_dir;
    QStringList m_prompted;   // the reasons the key prompt was shown with

    RemoteServer server() const
    {
        RemoteServer s;
        s.id = QStringLiteral("node7");
        s.name = QStringLiteral("GPU node 7 (vLLM)");
        s.baseUrl = QUrl(m_server->baseUrl());
        s.models = {QStringLiteral("deepseek-ai/DeepSeek-R1")};
        s.usesKey = true;
        return s;
    }

    void connectRemote()
    {
        QSignalSpy loaded(&m_app->bridge, &EngineBridge::modelLoaded);
        QSignalSpy failed(&m_app->bridge, &EngineBridge::modelLoadFailed);
        QVERIFY(m_app->connector.connectModel(RemoteEndpoint::refFor(QStringLiteral("node7"), QStringLiteral("deepseek-ai/DeepSeek-R1"))));
        QTRY_VERIFY_WITH_TIMEOUT(loaded.size() + failed.size() > 0, 15000);
        QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().first().toString()));
        QCOMPARE(loaded.first().at(0).toString(), QStringLiteral("deepseek-ai/DeepSeek-R1"));
        QVERIFY(m_app->bridge.isLoaded());
    }

    // Waits for the reply being written to end; returns its final state.
    ChatMessage waitForReply()
    {
        QSignalSpy updated(&m_app->session, &ChatSession::messageUpdated);
        if (!updated.wait(15000)) return {};
        return updated.last().first().value<ChatMessage>();
    }

private slots:
    void initTestCase()
    {
        m_server = std::make_unique<FakeOpenAiServer>();
        m_app = std::make_unique<App>();
        m_app->connector.setServers({server()});
        m_app->connector.setKeyPrompt([this](const RemoteServer&, const QString& why) {
            m_prompted << why;
            return std::optional<QString>(kKey);
        });
        QSignalSpy opened(&m_app->store, &ChatStore::opened);
        m_app->store.open(m_dir.filePath(QStringLiteral("chats.sqlite3")));
        QVERIFY(opened.wait(10000));
    }

    void cleanupTestCase()
    {
        m_app.reset();
        m_server.reset();
    }

    void withoutAKeyringAsksForTheKeyOncePerRun()
    {
        m_server->setConfig(chatAnswers({replay(QStringLiteral("vllm_r1_reasoning.sse"))}));
        connectRemote();
        connectRemote();  // a second connection in the same run: no second question
        QCOMPARE(m_prompted.size(), 1);
        QVERIFY(m_app->keys.keyringMissing());
        QVERIFY2(m_prompted.first().contains(QStringLiteral("No desktop keyring")), qPrintable(m_prompted.first()));
        QVERIFY(m_prompted.first().contains(QStringLiteral("once per run")));
        const QJsonArray requests = m_server->stats().value(QStringLiteral("requests")).toArray();
        QVERIFY(requests.isEmpty());  // GET /models is not logged; nothing was posted yet
    }

    void writesAFoldedRemoteReplyLikeALocalOne()
    {
        m_server->setConfig(chatAnswers({replay(QStringLiteral("vllm_r1_reasoning.sse"), {{QStringLiteral("delay_ms"), 2}})}));
        QVERIFY(m_app->session.send(QStringLiteral("What is 17 + 25?")));
        const ChatMessage reply = waitForReply();
        QCOMPARE(reply.status, MessageStatus::Complete);
        QCOMPARE(reply.content, kAnswer);
        QCOMPARE(reply.reasoning, kReasoning);
        QCOMPARE(reply.model, QStringLiteral("deepseek-ai/DeepSeek-R1"));
        QCOMPARE(reply.stats.promptTokens, 14);
        QCOMPARE(reply.stats.generatedTokens, 24);
        QVERIFY(reply.stats.tokensPerSecond > 0);
        const QJsonArray requests = m_server->stats().value(QStringLiteral("requests")).toArray();
        QCOMPARE(requests.size(), 1);
        QVERIFY(requests.first().toObject().value(QStringLiteral("authorized")).toBool());
    }

    void keepsAnInterruptedReplyAndRegenerateWritesASibling()
    {
        m_server->setConfig(chatAnswers({replay(QStringLiteral("vllm_r1_reasoning.sse"), {{QStringLiteral("cut_after"), 20}}),
                                         replay(QStringLiteral("vllm_r1_reasoning.sse"))}));
        QSignalSpy notices(&m_app->session, &ChatSession::notice);
        QVERIFY(m_app->session.send(QStringLiteral("And again?")));
        const ChatMessage cut = waitForReply();
        QCOMPARE(cut.status, MessageStatus::Interrupted);
        QCOMPARE(cut.reasoning, kReasoning);
        QCOMPARE(cut.content, QStringLiteral("17 + 25"));
        QVERIFY2(cut.error.contains(QStringLiteral("Regenerate")), qPrintable(cut.error));
        QCOMPARE(notices.size(), 1);

        m_app->session.regenerate(cut.id);
        const ChatMessage again = waitForReply();
        QCOMPARE(again.status, MessageStatus::Complete);
        QCOMPARE(again.content, kAnswer);
        QVERIFY(again.id != cut.id);
        QCOMPARE(again.parentId, cut.parentId);

        // As stored: reopen the conversation from the database.
        QSignalSpy path(&m_app->session, &ChatSession::pathChanged);
        m_app->session.openConversation(m_app->session.conversationId());
        QVERIFY(path.wait(10000));
        const QList<ChatMessage> stored = path.last().first().value<QList<ChatMessage>>();
        const ChatMessage& last = stored.last();
        QCOMPARE(last.content, kAnswer);
        QCOMPARE(last.reasoning, kReasoning);
        QCOMPARE(last.siblingCount, 2);
        QCOMPARE(last.previousSiblingId, cut.id);
    }

    void saysSoWhileARateLimitIsWaitedOut()
    {
        QJsonObject busy{{QStringLiteral("status"), 429}, {QStringLiteral("body"), QStringLiteral("{}")},
                         {QStringLiteral("headers"), QJsonObject{{QStringLiteral("Retry-After"), QStringLiteral("1")}}}};
        m_server->setConfig(chatAnswers({busy, replay(QStringLiteral("vllm_r1_reasoning.sse"))}));
        QSignalSpy notices(&m_app->bridge, &EngineBridge::backendNotice);
        QVERIFY(m_app->session.send(QStringLiteral("Once more")));
        const ChatMessage reply = waitForReply();
        QCOMPARE(reply.status, MessageStatus::Complete);
        QCOMPARE(notices.size(), 1);
        QVERIFY(notices.first().at(1).toString().contains(QStringLiteral("trying again in 1 s")));
    }

    void theKeyNeverReachesTheDatabase()
    {
        m_app.reset();  // writes what is queued and closes the database
        int files = 0;
        for (const QFileInfo& f : QDir(m_dir.path()).entryInfoList(QDir::Files)) {
            QFile file(f.absoluteFilePath());
            QVERIFY(file.open(QIODevice::ReadOnly));
            const QByteArray bytes = file.readAll();
            QVERIFY2(!bytes.contains(kKey.toUtf8()), qPrintable(f.fileName()));
            ++files;
        }
        QVERIFY(files >= 1);
    }
};

QTEST_GUILESS_MAIN(RemoteChatTest)
#include "remote_chat_test.moc"
