// Writes the conversation of docs/screenshot-remote.png by asking a remote server through the app's
// own remote path (connector -> bridge -> backend -> server -> chat session -> SQLite), and stores
// the server as configured with its model as the default, so `fathom --screenshot` connects to it.
// `remote_demo_db FILE.sqlite3 BASE_URL QUESTION` prints the conversation id. The server is the
// fake one replaying tests/data/remote/demo_r1_binary_search.sse (tools/make-screenshots.sh).
#include "app/remote/api_key_store.h"
#include "app/remote/remote_connector.h"
#include "app/remote/remote_server_list.h"
#include "app/services/chat_session.h"
#include "app/services/chat_store.h"
#include "app/services/engine_bridge.h"

#include <QCoreApplication>
#include <QTimer>

#include <cstdio>

using namespace fathom::app;

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    if (argc != 4) {
        std::fprintf(stderr, "usage: remote_demo_db FILE.sqlite3 BASE_URL QUESTION\n");
        return 1;
    }
    RemoteServer server;
    server.id = QStringLiteral("gpunode");
    server.name = QStringLiteral("GPU node (vLLM)");
    server.baseUrl = QUrl(QString::fromLocal8Bit(argv[2]));
    server.models = {QStringLiteral("deepseek-ai/DeepSeek-R1")};
    const QString ref = RemoteEndpoint::refFor(server.id, server.models.first());

    ChatStore store;
    EngineBridge bridge;
    ChatSession session(&store, &bridge);
    ApiKeyStore keys;
    RemoteConnector connector(&bridge, &keys);
    connector.setServers({server});
    int status = 2;
    auto fail = [&](const QString& message) {
        std::fprintf(stderr, "remote_demo_db: %s\n", qPrintable(message));
        app.exit(1);
    };
    QObject::connect(&store, &ChatStore::failed, &app, fail);
    QObject::connect(&connector, &RemoteConnector::failed, &app, fail);
    QObject::connect(&bridge, &EngineBridge::modelLoadFailed, &app, [&](const QString& m) { fail(m); });
    QObject::connect(&store, &ChatStore::opened, &app, [&] {
        store.setSetting(QStringLiteral("remote.servers"), RemoteServerList::toJson({server}));
        store.setSetting(QStringLiteral("model.default"), ref);
        connector.connectModel(ref);
    });
    QObject::connect(&bridge, &EngineBridge::modelLoaded, &app, [&] { session.send(QString::fromLocal8Bit(argv[3])); });
    QObject::connect(&session, &ChatSession::messageUpdated, &app, [&](const ChatMessage& reply) {
        if (reply.status != MessageStatus::Complete) {
            fail(QStringLiteral("the reply ended as %1: %2").arg(int(reply.status)).arg(reply.error));
            return;
        }
        std::printf("%lld\n", static_cast<long long>(session.conversationId()));
        status = 0;
        app.quit();
    });
    QTimer::singleShot(30000, &app, [&] { fail(QStringLiteral("no reply within 30 s")); });
    store.open(QString::fromLocal8Bit(argv[1]));
    const int rc = app.exec();
    return rc != 0 ? rc : status;
}
