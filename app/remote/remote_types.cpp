// Address arithmetic for remote endpoints; kept apart so settings, picker and backend agree.
#include "app/remote/remote_types.h"

namespace fathom::app {

QUrl RemoteEndpoint::url(const QString& path) const
{
    QUrl u = baseUrl;
    QString p = u.path();
    while (p.endsWith(u'/')) p.chop(1);
    u.setPath(p + u'/' + path);
    return u;
}

QString RemoteEndpoint::refFor(const QString& serverId, const QString& model)
{
    return QStringLiteral("remote:") + serverId + u'/' + model;
}

bool RemoteEndpoint::parseRef(const QString& ref, QString* serverId, QString* model)
{
    if (!isRef(ref)) return false;
    const QString rest = ref.mid(7);
    const qsizetype slash = rest.indexOf(u'/');  // server ids have no slash; model names may
    if (slash <= 0 || slash == rest.size() - 1) return false;
    *serverId = rest.left(slash);
    *model = rest.mid(slash + 1);
    return true;
}

QUrl RemoteEndpoint::normalizeBaseUrl(const QString& text)
{
    QString t = text.trimmed();
    if (t.isEmpty()) return {};
    if (!t.contains(QLatin1String("://"))) t.prepend(QStringLiteral("http://"));
    QUrl u(t, QUrl::StrictMode);
    if (!u.isValid() || u.host().isEmpty() || (u.scheme() != QLatin1String("http") && u.scheme() != QLatin1String("https")))
        return {};
    QString path = u.path();
    while (path.endsWith(u'/')) path.chop(1);
    u.setPath(path.isEmpty() ? QStringLiteral("/v1") : path);
    u.setQuery(QString());
    u.setFragment(QString());
    return u;
}

}  // namespace fathom::app
