// One blob from the hub into the cache: GET (Range from what blobs/<etag>.incomplete already holds),
// redirects followed by hand so the token stays on the hub's host, hashing while writing, stall
// watchdog, then size + hash check, fsync, rename into blobs/ and the snapshot symlink.
// Lives on the thread of its QNetworkAccessManager; one attempt per start(), the owner retries.
#pragma once

#include "app/hub/hub_cache.h"
#include "app/hub/hub_client.h"

#include <QCryptographicHash>
#include <QFile>
#include <QObject>
#include <QPointer>
#include <QTimer>

class QNetworkAccessManager;
class QNetworkReply;

namespace fathom::app {

struct TransferResult {
    enum class Outcome { Done, Failed, Stopped };  // Stopped: pause or cancel asked for it
    Outcome outcome = Outcome::Failed;
    QString message;         // for Failed: one line naming the file and the problem
    bool retryable = false;  // connection reset, stall, 5xx, 416: the owner may start() again
};

class FileTransfer final : public QObject {
    Q_OBJECT
public:
    FileTransfer(const HubCache& cache, const HubEndpoint& endpoint, QNetworkAccessManager* nam, QString repoId,
                 FileMeta meta, QObject* parent = nullptr);
    ~FileTransfer() override;

    void setStallTimeoutMs(int ms) { m_stallMs = ms; }
    const FileMeta& meta() const { return m_meta; }
    qint64 bytesDone() const { return m_done; }

    // Starts one attempt. Emits finished() exactly once per start(), possibly before returning
    // (blob already present, partial file already complete, lock busy).
    void start();
    // Stops the attempt; keeps the partial file (pause) or deletes it (discardPartial, for cancel).
    void stop(bool discardPartial);

signals:
    void progress(qint64 bytesDone);
    void finished(const fathom::app::TransferResult& result);

private:
    void sendGet(const QUrl& url, int redirectsLeft);
    void onMetaData();
    void onReadyRead();
    void onFinished();
    void finalize();
    void finish(TransferResult::Outcome outcome, const QString& message = {}, bool retryable = false);
    bool openPartial(QString* error);  // opens .incomplete, rehashes its prefix
    void restartFromZero();
    void resetHash();
    void releaseLock();
    QString what() const;

    HubCache m_cache;
    HubEndpoint m_endpoint;
    QNetworkAccessManager* m_nam;
    QString m_repoId;
    FileMeta m_meta;
    QString m_partialPath;
    QFile m_file;
    QCryptographicHash m_hash;  // sha256 (LFS), or sha1 over "blob <size>\0" + content (git objects)
    bool m_gitBlob;             // etag is a 40-hex git blob id, not a sha256
    qint64 m_done = 0;
    QPointer<QNetworkReply> m_reply;
    int m_redirectsLeft = 10;
    QTimer m_stallTimer;
    int m_stallMs = 30000;
    int m_lockFd = -1;
    bool m_stalled = false;
    bool m_stopping = false;
    bool m_discard = false;
    bool m_got416 = false;
    QString m_streamError;  // set while reading; reported when the reply ends
    bool m_streamRetryable = false;
    bool m_active = false;
};

}  // namespace fathom::app

Q_DECLARE_METATYPE(fathom::app::TransferResult)
