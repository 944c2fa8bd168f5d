// Asks a server which models it serves (GET {base}/models): the settings page's "Test connection"
// and the check the backend makes before it calls itself connected. Asynchronous; one answer per
// list() call, named by the call's id.
#pragma once

#include "app/remote/remote_types.h"

#include <QObject>

class QNetworkAccessManager;

namespace fathom::app {

class RemoteModelLister final : public QObject {
    Q_OBJECT
public:
    static constexpr int kTimeoutMs = 15000;

    // `network` is not owned and must live on this object's thread.
    explicit RemoteModelLister(QNetworkAccessManager* network, QObject* parent = nullptr);

    // baseUrl and apiKey of `endpoint` are used (model is not). Returns the request's id.
    quint64 list(const RemoteEndpoint& endpoint);

signals:
    void listed(quint64 id, const QList<fathom::app::RemoteModelInfo>& models);
    void failed(quint64 id, const QString& message);

private:
    QNetworkAccessManager* m_network;
    quint64 m_next = 1;
};

}  // namespace fathom::app
