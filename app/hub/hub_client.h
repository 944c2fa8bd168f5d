// The two metadata calls of the hub protocol, asynchronous on a QNetworkAccessManager:
// repo info (commit + file list) and per-file HEAD (etag = sha256 for LFS, size, download URL).
// Every value is validated before a caller sees it (docs/RELIABILITY.md, "Hub downloads").
#pragma once

#include "app/hub/hub_endpoint.h"

#include <QObject>
#include <QStringList>
#include <QUrl>

#include <functional>

class QNetworkAccessManager;
class QNetworkReply;

namespace fathom::app {

struct HubFailure {
    QString message;         // one line a person can act on, naming the repo / file
    bool retryable = false;  // network trouble, 5xx, 429, stall: worth trying again later
};

struct RepoInfo {
    QString commit;     // 40-hex commit the revision resolved to (x-repo-commit)
    QStringList files;  // siblings[].rfilename, each checked by checkRepoFilePath
};

struct FileMeta {
    QString path;       // file path inside the repo
    QString etag;       // LFS: sha256 (64 hex, X-Linked-Etag); other files: git blob sha1 (40 hex, ETag)
    qint64 size = -1;   // X-Linked-Size, else Content-Length
    QString commit;     // X-Repo-Commit
    bool lfs = false;   // the etag is a sha256 of the content
    QUrl downloadUrl;   // where GET goes: the CDN Location of an LFS file, else the resolve URL
};

class HubClient final : public QObject {
    Q_OBJECT
public:
    HubClient(HubEndpoint endpoint, QNetworkAccessManager* nam, QObject* parent = nullptr);

    const HubEndpoint& endpoint() const { return m_endpoint; }
    // Timeout for a metadata call with no bytes moving (ms).
    void setTimeoutMs(int ms) { m_timeoutMs = ms; }

    using RepoInfoFn = std::function<void(const RepoInfo&, const HubFailure&)>;  // failure.message empty = ok
    using FileMetaFn = std::function<void(const FileMeta&, const HubFailure&)>;
    void fetchRepoInfo(const QString& repoId, const QString& revision, RepoInfoFn done);
    void fetchFileMeta(const QString& repoId, const QString& commit, const QString& path, FileMetaFn done);

    // What went wrong with a finished reply, or an empty message when it is a 2xx. `what` names the
    // thing asked for ("repo org/name", "org/name: config.json").
    static HubFailure failureOf(QNetworkReply* reply, const QString& what, const QString& repoId);

private:
    // Sends a request, following only same-origin redirects (huggingface_hub's follow_relative_redirects).
    void send(const QByteArray& verb, const QUrl& url, int redirectsLeft, std::function<void(QNetworkReply*)> done);

    HubEndpoint m_endpoint;
    QNetworkAccessManager* m_nam;
    int m_timeoutMs = 30000;
};

}  // namespace fathom::app
