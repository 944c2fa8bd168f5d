// FileTransfer: the byte-moving half of a download. Nothing reaches blobs/ or snapshots/ unless its
// size and hash match what the hub promised (X-Linked-Size, X-Linked-Etag / ETag).
#include "app/hub/file_transfer.h"

#include "base/error.h"

#include <QDir>
#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QNetworkReply>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace fathom::app {

namespace {

constexpr qint64 kChunk = 1 << 20;  // bytes read and hashed per step: bounded memory

QCryptographicHash::Algorithm algorithmFor(const QString& etag)
{
    return etag.size() == 64 ? QCryptographicHash::Sha256 : QCryptographicHash::Sha1;
}

void fsyncDir(const QString& dir)
{
    const int fd = ::open(QFile::encodeName(dir).constData(), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

}  // namespace

FileTransfer::FileTransfer(const HubCache& cache, const HubEndpoint& endpoint, QNetworkAccessManager* nam,
                           QString repoId, FileMeta meta, QObject* parent)
    : QObject(parent), m_cache(cache), m_endpoint(endpoint), m_nam(nam), m_repoId(std::move(repoId)),
      m_meta(std::move(meta)), m_hash(algorithmFor(m_meta.etag)),
      m_gitBlob(m_meta.etag.size() == 40), m_stallTimer(this)
{
    m_partialPath = m_cache.incompletePath(m_repoId, m_meta.etag);
    m_stallTimer.setSingleShot(true);
    connect(&m_stallTimer, &QTimer::timeout, this, [this]() {
        m_stalled = true;
        if (m_reply)
            m_reply->abort();
    });
}

FileTransfer::~FileTransfer()
{
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
        m_reply->deleteLater();
    }
    releaseLock();
}

QString FileTransfer::what() const { return m_repoId + QStringLiteral(": ") + m_meta.path; }

void FileTransfer::releaseLock()
{
    if (m_lockFd >= 0) {
        ::flock(m_lockFd, LOCK_UN);
        ::close(m_lockFd);
        m_lockFd = -1;
    }
}

void FileTransfer::start()
{
    m_active = true;
    m_stalled = m_stopping = m_discard = m_got416 = false;
    m_streamError.clear();
    m_redirectsLeft = 10;
    const QString blob = m_cache.blobPath(m_repoId, m_meta.etag);
    if (QFileInfo(blob).isFile() && QFileInfo(blob).size() == m_meta.size) {
        // Already in the cache (an earlier run or another tool): only the snapshot link is missing.
        m_done = m_meta.size;
        return finalize();
    }
    // huggingface_hub locks the same file with filelock (flock) while it writes a blob.
    const QString lock = m_cache.lockPath(m_repoId, m_meta.etag);
    QDir().mkpath(QFileInfo(lock).absolutePath());
    m_lockFd = ::open(QFile::encodeName(lock).constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (m_lockFd < 0)
        return finish(TransferResult::Outcome::Failed,
                      QStringLiteral("cannot create the lock file %1: %2").arg(lock, QString::fromLocal8Bit(std::strerror(errno))));
    if (::flock(m_lockFd, LOCK_EX | LOCK_NB) != 0) {
        releaseLock();
        return finish(TransferResult::Outcome::Failed,
                      QStringLiteral("another program is downloading this file (lock %1)").arg(lock), true);
    }
    QString error;
    if (!openPartial(&error))
        return finish(TransferResult::Outcome::Failed, error);
    if (m_done == m_meta.size)
        return finalize();  // a previous run got every byte but stopped before the rename
    sendGet(m_meta.downloadUrl, 10);
}

bool FileTransfer::openPartial(QString* error)
{
    QDir().mkpath(QFileInfo(m_partialPath).absolutePath());
    m_file.close();
    m_file.setFileName(m_partialPath);
    // Unbuffered: every byte we count as done is in the kernel, so a SIGKILL loses nothing we report.
    if (!m_file.open(QIODevice::ReadWrite | QIODevice::Unbuffered)) {
        *error = QStringLiteral("cannot open %1: %2").arg(m_partialPath, m_file.errorString());
        return false;
    }
    if (m_file.size() > m_meta.size)
        m_file.resize(0);  // longer than the file can be: not ours to trust
    resetHash();
    // Rehash what an earlier attempt wrote, so the final digest covers the whole file.
    m_done = 0;
    m_file.seek(0);
    QByteArray buf;
    while (!m_file.atEnd()) {
        buf = m_file.read(kChunk);
        if (buf.isEmpty()) {
            *error = QStringLiteral("cannot read %1: %2").arg(m_partialPath, m_file.errorString());
            return false;
        }
        m_hash.addData(buf);
        m_done += buf.size();
    }
    emit progress(m_done);
    return true;
}

void FileTransfer::resetHash()
{
    m_hash.reset();
    // A git blob id is sha1 over "blob <size>\0" followed by the content.
    if (m_gitBlob)
        m_hash.addData(QByteArray("blob ") + QByteArray::number(m_meta.size) + QByteArray(1, '\0'));
}

void FileTransfer::restartFromZero()
{
    m_file.resize(0);
    m_file.seek(0);
    resetHash();
    m_done = 0;
    emit progress(0);
}

void FileTransfer::sendGet(const QUrl& url, int redirectsLeft)
{
    m_redirectsLeft = redirectsLeft;
    QNetworkRequest req = m_endpoint.request(url);  // the token goes only to the hub's own origin
    if (m_done > 0)
        req.setRawHeader("Range", "bytes=" + QByteArray::number(m_done) + '-');
    m_reply = m_nam->get(req);
    m_reply->setReadBufferSize(4 * kChunk);  // back-pressure instead of buffering a whole file in RAM
    connect(m_reply, &QNetworkReply::metaDataChanged, this, &FileTransfer::onMetaData);
    connect(m_reply, &QNetworkReply::readyRead, this, &FileTransfer::onReadyRead);
    connect(m_reply, &QNetworkReply::finished, this, &FileTransfer::onFinished);
    m_stallTimer.start(m_stallMs);
}

void FileTransfer::onMetaData()
{
    const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status == 200 && m_done > 0)
        restartFromZero();  // the server ignored Range and sends the whole file
    if (status == 206) {
        // Content-Range: bytes <first>-<last>/<total>; it must continue exactly where we stopped.
        const QByteArray range = m_reply->rawHeader("Content-Range");
        const qsizetype space = range.indexOf(' '), dash = range.indexOf('-');
        bool ok = false;
        const qint64 first = space >= 0 && dash > space ? range.mid(space + 1, dash - space - 1).toLongLong(&ok) : -1;
        if (!ok || first != m_done) {
            m_streamError = QStringLiteral("the server resumed at '%1' but the partial file has %2 bytes")
                                .arg(QString::fromLatin1(range.left(80))).arg(m_done);
            m_streamRetryable = true;
            restartFromZero();
            m_reply->abort();
        }
    }
    if (status == 416)
        m_got416 = true;
}

void FileTransfer::onReadyRead()
{
    if (!m_reply)
        return;
    const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status != 200 && status != 206) {
        m_reply->readAll();  // an error page or a redirect body: not file content
        return;
    }
    m_stallTimer.start(m_stallMs);
    while (m_reply && m_reply->bytesAvailable() > 0 && m_streamError.isEmpty()) {
        const QByteArray buf = m_reply->read(kChunk);
        if (m_done + buf.size() > m_meta.size) {
            m_streamError = QStringLiteral("the server sent more than the %1 bytes the hub announced").arg(m_meta.size);
            restartFromZero();
            m_reply->abort();
            return;
        }
        const qint64 written = m_file.write(buf);
        if (written != buf.size()) {
            const int err = errno;
            const bool full = m_file.error() == QFileDevice::ResourceError || err == ENOSPC || err == EDQUOT;
            m_streamError = full ? QStringLiteral("the disk is full: cannot write %1 (%2); free some space, the "
                                                  "download resumes from byte %3")
                                       .arg(m_partialPath, QString::fromLocal8Bit(std::strerror(err)))
                                       .arg(m_done)
                                 : QStringLiteral("cannot write %1: %2").arg(m_partialPath, m_file.errorString());
            // Drop a torn tail so the partial file holds exactly the bytes we hashed.
            m_file.resize(m_done);
            m_reply->abort();
            return;
        }
        m_hash.addData(buf);
        m_done += buf.size();
    }
    emit progress(m_done);
}

void FileTransfer::onFinished()
{
    QNetworkReply* reply = m_reply;
    m_reply = nullptr;
    m_stallTimer.stop();
    if (!reply)
        return;
    reply->deleteLater();
    reply->disconnect(this);
    if (reply->error() == QNetworkReply::NoError && m_streamError.isEmpty() && reply->bytesAvailable() > 0) {
        m_reply = reply;  // bytes that arrived together with the end of the reply
        onReadyRead();
        m_reply = nullptr;
    }
    if (m_stopping)
        return finish(TransferResult::Outcome::Stopped);
    if (!m_streamError.isEmpty())
        return finish(TransferResult::Outcome::Failed, m_streamError, m_streamRetryable);
    if (m_stalled)
        return finish(TransferResult::Outcome::Failed,
                      QStringLiteral("no data for %1 s (stalled) at byte %2 of %3").arg(m_stallMs / 1000.0).arg(m_done).arg(m_meta.size),
                      true);
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if ((status == 301 || status == 302 || status == 303 || status == 307 || status == 308) && reply->hasRawHeader("Location")) {
        if (m_redirectsLeft <= 0)
            return finish(TransferResult::Outcome::Failed, QStringLiteral("too many redirects"));
        return sendGet(reply->url().resolved(QUrl::fromEncoded(reply->rawHeader("Location"))), m_redirectsLeft - 1);
    }
    if (m_got416) {
        // The server cannot serve the rest of what we have: the partial file is not what it thinks.
        restartFromZero();
        return finish(TransferResult::Outcome::Failed,
                      QStringLiteral("HTTP 416 (range not satisfiable) on resume; discarded the partial file, starting over"),
                      true);
    }
    const HubFailure failure = HubClient::failureOf(reply, QStringLiteral("download"), m_repoId);
    if (!failure.message.isEmpty())
        return finish(TransferResult::Outcome::Failed, failure.message + QStringLiteral(" at byte %1").arg(m_done),
                      failure.retryable);
    if (m_done < m_meta.size)
        return finish(TransferResult::Outcome::Failed,
                      QStringLiteral("the connection ended at byte %1 of %2").arg(m_done).arg(m_meta.size), true);
    finalize();
}

void FileTransfer::finalize()
{
    const QString blob = m_cache.blobPath(m_repoId, m_meta.etag);
    if (m_file.isOpen()) {
        const QString digest = QString::fromLatin1(m_hash.result().toHex());
        if (digest != m_meta.etag) {
            m_file.close();
            QFile::remove(m_partialPath);
            return finish(TransferResult::Outcome::Failed,
                          QStringLiteral("%1 mismatch: the hub announced %2 but the %3 bytes received hash to %4; "
                                         "deleted the download")
                              .arg(m_gitBlob ? QStringLiteral("git sha1") : QStringLiteral("sha256"),
                                   m_meta.etag)
                              .arg(m_done)
                              .arg(digest));
        }
        // Durable before visible: data on disk, then the rename, then the directory entry.
        if (::fsync(m_file.handle()) != 0)
            return finish(TransferResult::Outcome::Failed,
                          QStringLiteral("cannot flush %1 to disk: %2").arg(m_partialPath, QString::fromLocal8Bit(std::strerror(errno))));
        m_file.close();
        QFile::remove(blob);
        if (!QFile::rename(m_partialPath, blob))
            return finish(TransferResult::Outcome::Failed, QStringLiteral("cannot rename %1 to %2").arg(m_partialPath, blob));
        fsyncDir(QFileInfo(blob).absolutePath());
    }
    try {
        m_cache.linkSnapshot(m_repoId, m_meta.commit, m_meta.path, m_meta.etag);
    } catch (const Error& e) {
        return finish(TransferResult::Outcome::Failed, QString::fromStdString(e.what()));
    }
    m_done = m_meta.size;
    emit progress(m_done);
    finish(TransferResult::Outcome::Done);
}

void FileTransfer::finish(TransferResult::Outcome outcome, const QString& message, bool retryable)
{
    if (!m_active)
        return;
    m_active = false;
    m_stallTimer.stop();
    if (m_file.isOpen())
        m_file.close();
    if (m_discard)
        QFile::remove(m_partialPath);
    releaseLock();
    TransferResult r;
    r.outcome = outcome;
    r.message = message.isEmpty() ? message : what() + QStringLiteral(": ") + message;
    r.retryable = retryable;
    emit finished(r);
}

void FileTransfer::stop(bool discardPartial)
{
    m_discard = discardPartial;
    m_stopping = true;
    if (m_reply)
        m_reply->abort();  // onFinished() reports Stopped
    else
        finish(TransferResult::Outcome::Stopped);
}

}  // namespace fathom::app
