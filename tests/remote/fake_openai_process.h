// Test support: runs tests/remote/fake_openai_server.py on loopback and talks to its control
// endpoints with blocking calls that do not spin the Qt event loop (so no signal of the code under
// test is delivered in the middle of a control call).
#pragma once

#include <QJsonObject>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>

namespace fathom::test {

class FakeOpenAiServer final {
public:
    FakeOpenAiServer();
    ~FakeOpenAiServer();

    QString baseUrl() const;   // http://127.0.0.1:PORT/v1
    int port() const { return m_port; }
    void setConfig(const QJsonObject& config);  // POST /_control (also clears the stats)
    QJsonObject stats() const;                  // GET /_stats

private:
    QByteArray call(const QByteArray& method, const QByteArray& path, const QByteArray& body = {}) const;

    QTemporaryDir m_dir;
    QProcess m_process;
    int m_port = 0;
};

// A loopback port nothing listens on (bound, then closed).
int closedPort();

}  // namespace fathom::test
