// HubClient: repo info + per-file HEAD, with the checks that keep a hostile hub's answers out of the
// file system (names, hashes, commits, sizes).
#include "app/hub/hub_client.h"

#include "app/hub/hub_names.h"
#include "base/error.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>

namespace fathom::app {

namespace {

constexpr qint64 kMaxRepoInfoBytes = 32 << 20;  // a repo listing of ~100k files; more is hostile

int statusOf(QNetworkReply* r) { return r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(); }

bool isRedirect(int status) { return status == 301 || status == 302 || status == 303 || status == 307 || status == 308; }

}  // namespace

HubClient::HubClient(HubEndpoint endpoint, QNetworkAccessManager* nam, QObject* parent)
    : QObject(parent), m_endpoint(std::move(endpoint)), m_nam(nam)
{
}

HubFailure HubClient::failureOf(QNetworkReply* reply, const QString& what, const QString& repoId)
{
    const int status = statusOf(reply);
    const QString code = QString::fromLatin1(reply->rawHeader("X-Error-Code"));
    const QString url = reply->url().toString(QUrl::RemoveQuery);
    if (status >= 200 && status < 300)
        return {};
    if (status == 0 || reply->error() != QNetworkReply::NoError) {
        if (status == 0) {
            // Transport-level: resets, refused connections, timeouts are worth retrying; TLS errors are not.
            const auto e = reply->error();
            const bool tls = e == QNetworkReply::SslHandshakeFailedError;
            return {QStringLiteral("%1: network error from %2: %3").arg(what, url, reply->errorString()), !tls};
        }
    }
    if (status >= 500 || status == 429 || status == 408)
        return {QStringLiteral("%1: the hub answered HTTP %2 for %3").arg(what).arg(status).arg(url), true};
    if (code == u"GatedRepo" || (status == 403 && code.isEmpty()))
        return {QStringLiteral("%1: access denied (HTTP %2); the repo %3 may be gated: accept its terms on the hub "
                               "and give a token (--token or HF_TOKEN)")
                    .arg(what).arg(status).arg(repoId)};
    if (code == u"RepositoryNotFound" || status == 401)
        return {QStringLiteral("%1: repo %2 not found (HTTP %3); check the name, or give a token if it is private")
                    .arg(what, repoId).arg(status)};
    if (code == u"RevisionNotFound")
        return {QStringLiteral("%1: revision not found in %2 (HTTP %3)").arg(what, repoId).arg(status)};
    if (code == u"EntryNotFound" || status == 404)
        return {QStringLiteral("%1: not found on the hub (HTTP %2, %3)").arg(what).arg(status).arg(url)};
    return {QStringLiteral("%1: the hub answered HTTP %2 for %3").arg(what).arg(status).arg(url)};
}

void HubClient::send(const QByteArray& verb, const QUrl& url, int redirectsLeft, std::function<void(QNetworkReply*)> done)
{
    QNetworkRequest req = m_endpoint.request(url);
    req.setTransferTimeout(m_timeoutMs);
    // head() rather than sendCustomRequest("HEAD"): only then does Qt know no body follows the headers.
    QNetworkReply* reply = verb == "HEAD" ? m_nam->head(req) : m_nam->get(req);
    if (verb == "GET")
        connect(reply, &QNetworkReply::downloadProgress, reply, [reply](qint64 received, qint64) {
            if (received > kMaxRepoInfoBytes)
                reply->abort();
        });
    connect(reply, &QNetworkReply::finished, this, [this, reply, verb, redirectsLeft, done = std::move(done)]() {
        reply->deleteLater();
        const int status = statusOf(reply);
        if (isRedirect(status) && reply->hasRawHeader("Location")) {
            const QUrl next = reply->url().resolved(QUrl::fromEncoded(reply->rawHeader("Location")));
            // Only same-origin redirects are followed here: a HEAD's redirect to the CDN is the
            // download URL, not something to fetch now.
            if (m_endpoint.isSameOrigin(next) && redirectsLeft > 0) {
                send(verb, next, redirectsLeft - 1, done);
                return;
            }
        }
        done(reply);
    });
}

void HubClient::fetchRepoInfo(const QString& repoId, const QString& revision, RepoInfoFn done)
{
    const QString what = QStringLiteral("repo %1 at %2").arg(repoId, revision);
    send("GET", m_endpoint.repoInfoUrl(repoId, revision), 5, [=](QNetworkReply* reply) {
        RepoInfo info;
        HubFailure failure = failureOf(reply, what, repoId);
        if (!failure.message.isEmpty())
            return done(info, failure);
        auto fail = [&](const QString& problem) { done(info, {what + QStringLiteral(": ") + problem}); };
        const QByteArray body = reply->readAll();
        if (body.size() > kMaxRepoInfoBytes)
            return fail(QStringLiteral("the repo listing is larger than 32 MB"));
        QJsonParseError err{};
        const QJsonDocument doc = QJsonDocument::fromJson(body, &err);
        if (!doc.isObject())
            return fail(QStringLiteral("the hub's answer is not a JSON object (%1)").arg(err.errorString()));
        const QJsonObject obj = doc.object();
        const QString headerCommit = QString::fromLatin1(reply->rawHeader("X-Repo-Commit")).trimmed();
        const QString bodyCommit = obj.value(QStringLiteral("sha")).toString();
        info.commit = headerCommit.isEmpty() ? bodyCommit : headerCommit;
        if (!isCommitHash(info.commit))
            return fail(QStringLiteral("the hub gave no valid commit (x-repo-commit '%1')").arg(info.commit));
        if (!bodyCommit.isEmpty() && bodyCommit != info.commit)
            return fail(QStringLiteral("x-repo-commit %1 disagrees with sha %2").arg(info.commit, bodyCommit));
        const QJsonValue siblings = obj.value(QStringLiteral("siblings"));
        if (!siblings.isArray())
            return fail(QStringLiteral("the hub's answer has no 'siblings' list"));
        for (const QJsonValue& s : siblings.toArray()) {
            const QJsonValue name = s.toObject().value(QStringLiteral("rfilename"));
            if (!name.isString())
                return fail(QStringLiteral("a 'siblings' entry has no string 'rfilename'"));
            try {
                checkRepoFilePath(name.toString());
            } catch (const Error& e) {
                return fail(QString::fromStdString(e.what()));
            }
            info.files.append(name.toString());
        }
        done(info, {});
    });
}

void HubClient::fetchFileMeta(const QString& repoId, const QString& commit, const QString& path, FileMetaFn done)
{
    const QString what = repoId + QStringLiteral(": ") + path;
    send("HEAD", m_endpoint.resolveUrl(repoId, commit, path), 5, [=](QNetworkReply* reply) {
        FileMeta meta;
        meta.path = path;
        const int status = statusOf(reply);
        const bool cdnRedirect = isRedirect(status);
        HubFailure failure = cdnRedirect ? HubFailure{} : failureOf(reply, what, repoId);
        if (!failure.message.isEmpty())
            return done(meta, failure);
        auto fail = [&](const QString& problem) { done(meta, {what + QStringLiteral(": ") + problem}); };
        const QByteArray linkedEtag = reply->rawHeader("X-Linked-Etag");
        meta.lfs = !linkedEtag.isEmpty();
        meta.etag = normalizeEtag(meta.lfs ? linkedEtag : reply->rawHeader("ETag")).toLower();
        meta.commit = QString::fromLatin1(reply->rawHeader("X-Repo-Commit")).trimmed();
        bool sizeOk = false;
        const QByteArray sizeHeader = reply->hasRawHeader("X-Linked-Size") ? reply->rawHeader("X-Linked-Size")
                                                                           : reply->rawHeader("Content-Length");
        meta.size = sizeHeader.trimmed().toLongLong(&sizeOk);
        if (meta.lfs ? !isSha256Hex(meta.etag) : !(isCommitHash(meta.etag) || isSha256Hex(meta.etag)))
            return fail(QStringLiteral("the hub's etag '%1' is not a %2 hash; refusing to store the file")
                            .arg(meta.etag.left(80), meta.lfs ? QStringLiteral("64-hex sha256")
                                                              : QStringLiteral("40-hex git or 64-hex sha256")));
        if (!sizeOk || meta.size < 0)
            return fail(QStringLiteral("the hub gave no file size (X-Linked-Size / Content-Length)"));
        if (meta.commit.isEmpty())
            meta.commit = commit;
        if (meta.commit != commit)
            return fail(QStringLiteral("the hub's X-Repo-Commit %1 is not the requested commit %2").arg(meta.commit, commit));
        meta.downloadUrl = cdnRedirect ? reply->url().resolved(QUrl::fromEncoded(reply->rawHeader("Location")))
                                       : reply->url();
        done(meta, {});
    });
}

}  // namespace fathom::app
