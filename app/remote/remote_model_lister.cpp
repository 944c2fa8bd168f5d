// /v1/models answers {"object": "list", "data": [{"id": ..., "max_model_len": ...}]} on vLLM,
// SGLang and DeepSeek's API alike.
#include "app/remote/remote_model_lister.h"

#include "app/remote/remote_errors.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>

namespace fathom::app {

RemoteModelLister::RemoteModelLister(QNetworkAccessManager* network, QObject* parent)
    : QObject(parent), m_network(network)
{
    qRegisterMetaType<QList<fathom::app::RemoteModelInfo>>();
}

quint64 RemoteModelLister::list(const RemoteEndpoint& endpoint)
{
    const quint64 id = m_next++;
    QNetworkRequest request(endpoint.url(QStringLiteral("models")));
    request.setTransferTimeout(kTimeoutMs);
    request.setRawHeader("Accept", "application/json");
    if (!endpoint.apiKey.isEmpty()) request.setRawHeader("Authorization", "Bearer " + endpoint.apiKey.toUtf8());
    QNetworkReply* reply = m_network->get(request);
    connect(reply, &QNetworkReply::finished, this, [this, reply, id, url = request.url()] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QByteArray body = reply->readAll();
        if (status >= 400) {
            emit failed(id, RemoteErrors::forHttp(status, body, QString(), url));
            return;
        }
        if (reply->error() != QNetworkReply::NoError) {
            emit failed(id, RemoteErrors::forNetwork(reply->error(), reply->errorString(), url));
            return;
        }
        const QJsonDocument doc = QJsonDocument::fromJson(body);
        const QJsonValue data = doc.object().value(QLatin1String("data"));
        if (!data.isArray()) {
            emit failed(id, tr("%1 did not answer like an OpenAI-compatible server (no model list at %2). Is the "
                               "base URL right? It usually ends in /v1.")
                                .arg(RemoteErrors::hostOf(url), url.path()));
            return;
        }
        QList<RemoteModelInfo> models;
        for (const QJsonValue& v : data.toArray()) {
            const QJsonObject o = v.toObject();
            RemoteModelInfo m;
            m.id = o.value(QLatin1String("id")).toString();
            m.contextLength = o.value(QLatin1String("max_model_len")).toInteger(o.value(QLatin1String("context_length")).toInteger());
            m.ownedBy = o.value(QLatin1String("owned_by")).toString();
            if (!m.id.isEmpty()) models.append(m);
        }
        emit listed(id, models);
    });
    return id;
}

}  // namespace fathom::app
