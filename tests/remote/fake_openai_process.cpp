// FakeOpenAiServer: process and control-channel plumbing for fake_openai_server.py.
#include "tests/remote/fake_openai_process.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>

#include <stdexcept>

namespace fathom::test {

FakeOpenAiServer::FakeOpenAiServer()
{
    const QString portFile = m_dir.path() + QStringLiteral("/port.json");
    m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_process.start(QStringLiteral(FATHOM_PYTHON3),
                    {QStringLiteral(FATHOM_SOURCE_DIR "/tests/remote/fake_openai_server.py"), QStringLiteral("--data-dir"),
                     QStringLiteral(FATHOM_TEST_DATA "/remote"), QStringLiteral("--port-file"), portFile});
    QElapsedTimer t;
    t.start();
    while (!QFileInfo::exists(portFile)) {
        if (t.elapsed() > 10000 || m_process.state() == QProcess::NotRunning)
            throw std::runtime_error("the fake OpenAI server did not start (python3 tests/remote/fake_openai_server.py)");
        QThread::msleep(10);
    }
    QFile f(portFile);
    if (!f.open(QIODevice::ReadOnly)) throw std::runtime_error("cannot read the fake server's port file");
    m_port = QJsonDocument::fromJson(f.readAll()).object().value(QStringLiteral("port")).toInt();
}

FakeOpenAiServer::~FakeOpenAiServer()
{
    m_process.closeWriteChannel();  // the server exits when its stdin closes
    if (!m_process.waitForFinished(3000)) {
        m_process.kill();
        m_process.waitForFinished(3000);
    }
}

QString FakeOpenAiServer::baseUrl() const { return QStringLiteral("http://127.0.0.1:%1/v1").arg(m_port); }

void FakeOpenAiServer::setConfig(const QJsonObject& config)
{
    call("POST", "/_control", QJsonDocument(config).toJson(QJsonDocument::Compact));
}

QJsonObject FakeOpenAiServer::stats() const
{
    return QJsonDocument::fromJson(call("GET", "/_stats")).object();
}

QByteArray FakeOpenAiServer::call(const QByteArray& method, const QByteArray& path, const QByteArray& body) const
{
    QTcpSocket s;
    s.connectToHost(QStringLiteral("127.0.0.1"), quint16(m_port));
    if (!s.waitForConnected(5000)) throw std::runtime_error("cannot reach the fake OpenAI server");
    s.write(method + ' ' + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n"
            "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    QByteArray response;
    while (s.waitForReadyRead(5000) || s.bytesAvailable() > 0) {
        response += s.readAll();
        if (s.state() != QAbstractSocket::ConnectedState && s.bytesAvailable() == 0) break;
    }
    response += s.readAll();
    const qsizetype split = response.indexOf("\r\n\r\n");
    return split < 0 ? QByteArray() : response.mid(split + 4);
}

int closedPort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    const int port = server.serverPort();
    server.close();
    return port;
}

}  // namespace fathom::test
