// FakeHub: process + control-channel plumbing for the fake hub server (see fake_hub.py).
#include "tests/hub/fake_hub_process.h"

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTcpSocket>
#include <QThread>

#include <stdexcept>

namespace fathom::test {

QByteArray randomBytes(int size, quint32 seed)
{
    QByteArray out(size, Qt::Uninitialized);
    quint32 x = seed * 2654435761u + 1;
    for (int i = 0; i < size; ++i) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;  // xorshift32
        out[i] = char(x & 0xff);
    }
    return out;
}

QString sha256Hex(const QByteArray& data)
{
    return QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex());
}

QString gitBlobSha1(const QByteArray& data)
{
    return QString::fromLatin1(
        QCryptographicHash::hash(QByteArray("blob ") + QByteArray::number(data.size()) + '\0' + data, QCryptographicHash::Sha1)
            .toHex());
}

FakeHub::FakeHub(const QString& repo, const QMap<QString, QByteArray>& files) : m_repo(repo), m_files(files)
{
    const QString repoDir = m_dir.path() + QStringLiteral("/repo");
    for (auto it = files.begin(); it != files.end(); ++it) {
        const QString p = repoDir + u'/' + it.key();
        QDir().mkpath(QFileInfo(p).absolutePath());
        QFile f(p);
        if (!f.open(QIODevice::WriteOnly) || f.write(it.value()) != it.value().size())
            throw std::runtime_error("cannot write fixture file " + p.toStdString());
    }
    const QString portFile = m_dir.path() + QStringLiteral("/ports.json");
    m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_process.start(QStringLiteral(FATHOM_PYTHON3), {QStringLiteral(FATHOM_SOURCE_DIR "/tests/hub/fake_hub.py"),
                                                QStringLiteral("--repo-dir"), repoDir, QStringLiteral("--repo"), repo,
                                                QStringLiteral("--port-file"), portFile});
    QElapsedTimer t;
    t.start();
    while (!QFileInfo::exists(portFile)) {
        if (t.elapsed() > 10000 || m_process.state() == QProcess::NotRunning)
            throw std::runtime_error("the fake hub did not start (python3 tests/hub/fake_hub.py)");
        QThread::msleep(10);
    }
    QFile f(portFile);
    f.open(QIODevice::ReadOnly);
    const QJsonObject ports = QJsonDocument::fromJson(f.readAll()).object();
    m_port = ports.value(QStringLiteral("hub")).toInt();
    m_commit = ports.value(QStringLiteral("commit")).toString();
}

FakeHub::~FakeHub()
{
    release();                  // let held handler threads finish
    m_process.closeWriteChannel();  // the server exits when its stdin closes
    if (!m_process.waitForFinished(3000)) {
        m_process.kill();
        m_process.waitForFinished(3000);
    }
}

QString FakeHub::url() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_port); }

QByteArray FakeHub::call(const QByteArray& method, const QByteArray& path, const QByteArray& body) const
{
    QTcpSocket s;
    s.connectToHost(QStringLiteral("127.0.0.1"), quint16(m_port));
    if (!s.waitForConnected(5000))
        throw std::runtime_error("cannot reach the fake hub's control port");
    s.write(method + ' ' + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: " +
            QByteArray::number(body.size()) + "\r\n\r\n" + body);
    s.waitForBytesWritten(5000);
    QByteArray reply;
    while (s.state() == QAbstractSocket::ConnectedState && s.waitForReadyRead(5000))
        reply += s.readAll();
    reply += s.readAll();
    const qsizetype split = reply.indexOf("\r\n\r\n");
    return split < 0 ? QByteArray() : reply.mid(split + 4);
}

void FakeHub::setFaults(const QJsonObject& config) { call("POST", "/_control", QJsonDocument(config).toJson()); }
void FakeHub::release() { call("POST", "/_release"); }
QJsonObject FakeHub::stats() const { return QJsonDocument::fromJson(call("GET", "/_stats")).object(); }

qint64 FakeHub::bytesServed(const QString& path) const
{
    return qint64(stats().value(QStringLiteral("bytes_served")).toObject().value(path).toDouble());
}

bool FakeHub::held(const QString& path) const
{
    return stats().value(QStringLiteral("held")).toObject().value(path).toBool();
}

QStringList FakeHub::rangesRequested(const QString& path) const
{
    const QString lfsBlob = QStringLiteral("/blobs/") + sha256Hex(m_files.value(path));
    QStringList out;
    for (const QJsonValue& v : stats().value(QStringLiteral("requests")).toArray()) {
        const QJsonObject r = v.toObject();
        const QString p = r.value(QStringLiteral("path")).toString();
        if (r.value(QStringLiteral("method")).toString() != u"GET")
            continue;
        if (p.startsWith(lfsBlob) || (p.contains(QStringLiteral("/resolve/")) && p.endsWith(u'/' + path) &&
                                      !path.endsWith(QStringLiteral(".safetensors")) && !path.endsWith(QStringLiteral(".bin"))))
            out.append(r.value(QStringLiteral("range")).toString());  // "" when none
    }
    return out;
}

}  // namespace fathom::test
