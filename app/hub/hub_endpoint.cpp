// HubEndpoint: URL building and token scoping for the Hugging Face hub protocol.
#include "app/hub/hub_endpoint.h"

#include "fathom_version.h"

#include <QDir>
#include <QFile>

namespace fathom::app {

namespace {

// Path segments are percent-encoded like huggingface_hub's quote(); '/' stays a separator in file
// paths but not in revisions ("refs/pr/1" -> "refs%2Fpr%2F1").
QString encodeSegment(const QString& s, bool keepSlash)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(s, keepSlash ? QByteArray("/") : QByteArray()));
}

}  // namespace

HubEndpoint::HubEndpoint(const QString& endpoint, QString token) : m_token(token.trimmed().toUtf8())
{
    QString e = endpoint.trimmed();
    while (e.endsWith(u'/'))
        e.chop(1);
    m_base = QUrl(e, QUrl::StrictMode);
}

QString HubEndpoint::defaultEndpoint()
{
    const QString e = qEnvironmentVariable("HF_ENDPOINT");
    return e.isEmpty() ? QStringLiteral("https://huggingface.co") : e;
}

QString HubEndpoint::defaultToken()
{
    for (const char* name : {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"}) {
        const QString t = qEnvironmentVariable(name).trimmed();
        if (!t.isEmpty())
            return t;
    }
    QString path = qEnvironmentVariable("HF_TOKEN_PATH");
    if (path.isEmpty()) {
        QString home = qEnvironmentVariable("HF_HOME");
        if (home.isEmpty())
            home = QDir::homePath() + QStringLiteral("/.cache/huggingface");
        path = home + QStringLiteral("/token");
    }
    QFile f(path);
    if (f.open(QIODevice::ReadOnly))
        return QString::fromUtf8(f.read(4096)).trimmed();
    return {};
}

QUrl HubEndpoint::repoInfoUrl(const QString& repoId, const QString& revision) const
{
    QUrl u = m_base;
    u.setPath(m_base.path() + QStringLiteral("/api/models/") + encodeSegment(repoId, true) +
                  QStringLiteral("/revision/") + encodeSegment(revision, false),
              QUrl::TolerantMode);
    return u;
}

QUrl HubEndpoint::resolveUrl(const QString& repoId, const QString& revision, const QString& path) const
{
    QUrl u = m_base;
    u.setPath(m_base.path() + u'/' + encodeSegment(repoId, true) + QStringLiteral("/resolve/") +
                  encodeSegment(revision, false) + u'/' + encodeSegment(path, true),
              QUrl::TolerantMode);
    return u;
}

bool HubEndpoint::isSameOrigin(const QUrl& url) const
{
    const int defaultPort = m_base.scheme() == u"https" ? 443 : 80;
    return url.scheme() == m_base.scheme() && url.host().compare(m_base.host(), Qt::CaseInsensitive) == 0 &&
           url.port(defaultPort) == m_base.port(defaultPort);
}

QNetworkRequest HubEndpoint::request(const QUrl& url) const
{
    QNetworkRequest r(url);
    r.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    r.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    r.setRawHeader("User-Agent", QByteArray("fathom/") + FATHOM_VERSION + "; hf_hub-compatible");
    r.setRawHeader("Accept-Encoding", "identity");
    if (!m_token.isEmpty() && isSameOrigin(url))
        r.setRawHeader("Authorization", "Bearer " + m_token);
    return r;
}

}  // namespace fathom::app
