// Test support: runs tests/hub/fake_hub.py on loopback for one test, with a repo built from bytes the
// test gives, and talks to its control endpoints (faults, release, stats) with blocking calls that do
// not spin the Qt event loop.
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QMap>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>

namespace fathom::test {

// Deterministic pseudo-random bytes (so failures reproduce).
QByteArray randomBytes(int size, quint32 seed);
QString sha256Hex(const QByteArray& data);
QString gitBlobSha1(const QByteArray& data);

class FakeHub final {
public:
    // files: repo path -> content. *.safetensors / *.bin are served as LFS files via the "CDN".
    FakeHub(const QString& repo, const QMap<QString, QByteArray>& files);
    ~FakeHub();

    QString url() const;  // http://127.0.0.1:PORT
    QString commit() const { return m_commit; }
    const QString& repo() const { return m_repo; }
    const QMap<QString, QByteArray>& files() const { return m_files; }

    void setFaults(const QJsonObject& config);  // POST /_control (also clears counters of fired faults)
    void release();                             // POST /_release: let held transfers go on
    QJsonObject stats() const;                  // GET /_stats
    qint64 bytesServed(const QString& path) const;
    bool held(const QString& path) const;
    // Content requests (GET) that reached the CDN or hub for this file, in order: their Range headers.
    QStringList rangesRequested(const QString& path) const;

private:
    QByteArray call(const QByteArray& method, const QByteArray& path, const QByteArray& body = {}) const;

    QString m_repo;
    QMap<QString, QByteArray> m_files;
    QTemporaryDir m_dir;
    QProcess m_process;
    int m_port = 0;
    QString m_commit;
};

}  // namespace fathom::test
