// Messages name the status, the server's own words (clipped) and the place to fix things.
#include "app/remote/remote_errors.h"

#include "app/remote/stream_chunk.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QLocale>

namespace fathom::app {

namespace {

QString tr(const char* text) { return QCoreApplication::translate("fathom::app::RemoteErrors", text); }

QString serverSays(const QByteArray& body)
{
    QString m = StreamChunk::errorMessage(body);
    if (m.isEmpty()) m = QString::fromUtf8(body.left(300)).simplified();
    if (m.size() > 200) m = m.left(200) + QStringLiteral("…");
    return m.isEmpty() ? QString() : QStringLiteral(" The server said: “%1”").arg(m);
}

}  // namespace

QString RemoteErrors::hostOf(const QUrl& url)
{
    return url.adjusted(QUrl::RemoveUserInfo | QUrl::RemovePath | QUrl::RemoveQuery | QUrl::RemoveFragment).toString();
}

bool RemoteErrors::isUnknownModel(int status, const QByteArray& body)
{
    if (status != 404 && status != 400) return false;
    const QString m = StreamChunk::errorMessage(body).toLower();
    return m.contains(QLatin1String("model")) &&
           (m.contains(QLatin1String("not exist")) || m.contains(QLatin1String("does not exist")) ||
            m.contains(QLatin1String("not found")) || m.contains(QLatin1String("unknown")));
}

QString RemoteErrors::forHttp(int status, const QByteArray& body, const QString& model, const QUrl& url)
{
    const QString host = hostOf(url);
    if (status == 401 || status == 403)
        return tr("The server refused the key (HTTP %1): check the API key of %2 in Settings → Models → Remote server.")
                   .arg(status).arg(host) + serverSays(body);
    if (isUnknownModel(status, body))
        return tr("The server %1 has no model named “%2” (HTTP %3): choose one it lists in Settings → Models → "
                  "Remote server (Test connection lists them).").arg(host, model).arg(status) + serverSays(body);
    if (status == 429)
        return tr("The server %1 is busy or over its rate limit (HTTP 429) and did not say when to try again: "
                  "wait a moment, then Regenerate.").arg(host) + serverSays(body);
    if (status >= 500)
        return tr("The server %1 failed (HTTP %2): try again later, or look at the server's log.").arg(host).arg(status) +
               serverSays(body);
    return tr("The server %1 rejected the request (HTTP %2).").arg(host).arg(status) + serverSays(body);
}

QString RemoteErrors::forNetwork(QNetworkReply::NetworkError error, const QString& detail, const QUrl& url)
{
    const QString host = hostOf(url);
    switch (error) {
    case QNetworkReply::ConnectionRefusedError:
        return tr("Could not connect to %1: the connection was refused. Is the server running, and on this port?").arg(host);
    case QNetworkReply::HostNotFoundError:
        return tr("Could not find the server %1: check the address in Settings → Models → Remote server.").arg(host);
    case QNetworkReply::TimeoutError:
    case QNetworkReply::OperationCanceledError:  // what a transfer timeout reports
        return tr("The server %1 sent nothing for too long; the request was given up.").arg(host);
    case QNetworkReply::SslHandshakeFailedError:
        return tr("Could not make a secure connection to %1 (%2).").arg(host, detail);
    case QNetworkReply::RemoteHostClosedError:
        return tr("The server %1 closed the connection.").arg(host);
    default:
        return tr("Could not talk to the server %1: %2").arg(host, detail);
    }
}

std::optional<int> RemoteErrors::retryAfterSeconds(const QByteArray& header)
{
    const QByteArray h = header.trimmed();
    if (h.isEmpty()) return std::nullopt;
    bool ok = false;
    const int seconds = h.toInt(&ok);
    if (ok) return seconds >= 0 ? std::optional<int>(seconds) : std::nullopt;
    // HTTP-date, e.g. "Wed, 21 Oct 2015 07:28:00 GMT".
    const QDateTime local = QLocale::c().toDateTime(QString::fromLatin1(h).replace(QLatin1String(" GMT"), QString()),
                                                    QStringLiteral("ddd, dd MMM yyyy HH:mm:ss"));
    if (!local.isValid()) return std::nullopt;
    const QDateTime when(local.date(), local.time(), Qt::UTC);
    return int(std::max<qint64>(0, QDateTime::currentDateTimeUtc().secsTo(when)));
}

}  // namespace fathom::app
