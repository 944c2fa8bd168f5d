// EngineBridge's routing without widgets, on the CPU engine and the embedded tiny coder: each
// EngineRequest hears its own request's events and no one else's, and is gone once it finished.
#include "app/services/engine_bridge.h"

#include <QPointer>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

using namespace fathom;

namespace {

const QString kModel = QStringLiteral(FATHOM_SOURCE_DIR "/resources/models/fathom-tiny-coder");

app::GenerationRequest reply(int maxTokens)
{
    app::GenerationRequest r;
    app::ChatMessage user;
    user.role = app::Role::User;
    user.content = QStringLiteral("Write a function that adds two numbers.");
    r.turns = {user};
    r.sampling.temperature = 0.0f;
    r.maxTokens = maxTokens;
    return r;
}

// Counts what one request receives.
struct Heard {
    int started = 0;
    int tokens = 0;
    int finished = 0;
    qint64 generated = -1;
};

void listen(app::EngineRequest* r, Heard& heard)
{
    QObject::connect(r, &app::EngineRequest::started, r, [&heard] { ++heard.started; });
    QObject::connect(r, &app::EngineRequest::token, r, [&heard] { ++heard.tokens; });
    QObject::connect(r, &app::EngineRequest::finished, r, [&heard](const app::MessageStats& stats) {
        ++heard.finished;
        heard.generated = stats.generatedTokens;
    });
}

// One HTTP/1.1 exchange on a fresh connection (Connection: close): the whole reply, or "" when the
// connection was refused.
QByteArray http(int port, const QByteArray& method, const QByteArray& path, const QByteArray& body = {})
{
    QTcpSocket socket;
    socket.connectToHost(QStringLiteral("127.0.0.1"), quint16(port));
    if (!socket.waitForConnected(5000)) return {};
    socket.write(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n"
                 "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    QByteArray reply;
    while (socket.state() == QAbstractSocket::ConnectedState && socket.waitForReadyRead(30000)) reply += socket.readAll();
    return reply + socket.readAll();
}

int freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

}  // namespace

class EngineBridgeTest final : public QObject {
    Q_OBJECT
private:
    std::unique_ptr<app::EngineBridge> m_bridge;

private slots:
    void initTestCase()
    {
        m_bridge = std::make_unique<app::EngineBridge>();
        inference::EngineOptions options;
        options.backend = inference::Backend::Cpu;
        options.threads = 2;
        QSignalSpy loaded(m_bridge.get(), &app::EngineBridge::modelLoaded);
        m_bridge->loadModel(kModel, options);
        QVERIFY(loaded.wait(60000));
    }

    void eachRequestHearsOnlyItsOwnTokens()
    {
        // Token limits far enough apart that a stray token shows in the counts; the stop strings of
        // the chat format may end a reply early, so each count is checked against its own stats.
        Heard a, b;
        app::EngineRequest* first = m_bridge->generate(reply(3));
        app::EngineRequest* second = m_bridge->generate(reply(12));
        QVERIFY(first->ticket() != second->ticket());
        QCOMPARE(m_bridge->request(first->ticket()), first);
        listen(first, a);
        listen(second, b);
        QTRY_VERIFY_WITH_TIMEOUT(a.finished == 1 && b.finished == 1, 60000);
        QCOMPARE(a.started, 1);
        QCOMPARE(b.started, 1);
        QCOMPARE(qint64(a.tokens), a.generated);
        QCOMPARE(qint64(b.tokens), b.generated);
        QVERIFY(a.tokens <= 3);
        QVERIFY(b.tokens > 3);
    }

    void aFinishedRequestIsNoLongerRoutedAndIsDeleted()
    {
        Heard heard;
        QPointer<app::EngineRequest> r = m_bridge->generate(reply(2));
        const quint64 ticket = r->ticket();
        listen(r, heard);
        QTRY_VERIFY_WITH_TIMEOUT(heard.finished == 1, 60000);
        QVERIFY(!m_bridge->request(ticket));
        QTRY_VERIFY(r.isNull());  // deleteLater, once its last signal is out
    }

    void stopEndsOnlyTheRequestItNames()
    {
        app::EngineRequest* stopped = m_bridge->generate(reply(200));
        app::EngineRequest* other = m_bridge->generate(reply(4));
        QSignalSpy stoppedDone(stopped, &app::EngineRequest::finished);
        QSignalSpy otherDone(other, &app::EngineRequest::finished);
        m_bridge->stop(stopped->ticket());
        QTRY_VERIFY_WITH_TIMEOUT(!stoppedDone.isEmpty() && !otherDone.isEmpty(), 60000);
        QCOMPARE(stoppedDone.first().at(1).value<app::MessageStatus>(), app::MessageStatus::Stopped);
        QCOMPARE(otherDone.first().at(1).value<app::MessageStatus>(), app::MessageStatus::Complete);
    }

    // The "Local API server" setting: the loaded engine answers HTTP clients beside the app's own
    // requests, and switching it off closes the port.
    void localServerServesTheLoadedModelBesideTheAppsRequests()
    {
        const int port = freePort();
        QSignalSpy changed(m_bridge.get(), &app::EngineBridge::localServerChanged);
        m_bridge->setLocalServer(true, port);
        QVERIFY(changed.wait(10000));
        QCOMPARE(changed.last().at(0).toInt(), port);
        QCOMPARE(m_bridge->localServerPort(), port);

        Heard a;
        app::EngineRequest* own = m_bridge->generate(reply(8));
        listen(own, a);
        const QByteArray models = http(port, "GET", "/v1/models");
        QVERIFY2(models.startsWith("HTTP/1.1 200") && models.contains("\"fathom-tiny-coder\""), models.constData());
        const QByteArray completion = http(port, "POST", "/v1/completions", R"({"prompt":"def add(a, b):","max_tokens":8,"temperature":0})");
        QVERIFY2(completion.startsWith("HTTP/1.1 200") && completion.contains("\"text_completion\""), completion.constData());
        QTRY_VERIFY_WITH_TIMEOUT(a.finished == 1, 60000);

        m_bridge->setLocalServer(false, port);
        QVERIFY(changed.wait(10000));
        QCOMPARE(changed.last().at(0).toInt(), 0);
        QCOMPARE(http(port, "GET", "/v1/models"), QByteArray());
    }

    void aRequestWithoutAModelFailsOnItsOwnObject()
    {
        app::EngineBridge empty;
        app::EngineRequest* r = empty.generate(reply(4));
        QSignalSpy failed(r, &app::EngineRequest::failed);
        QVERIFY(failed.wait(10000));
        QVERIFY(failed.first().first().toString().contains(QStringLiteral("No model is loaded")));
    }

    void cleanupTestCase() { m_bridge.reset(); }
};

QTEST_GUILESS_MAIN(EngineBridgeTest)
#include "engine_bridge_test.moc"
