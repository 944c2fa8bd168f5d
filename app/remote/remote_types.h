// Plain values of the remote backend: a configured OpenAI-compatible server (as the settings keep
// it, without its key), one of its models, and the endpoint a connection uses (with the key, held
// in memory only). Shared by the settings page, the model picker and the engine bridge's thread.
#pragma once

#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>
#include <QUrl>

namespace fathom::app {

struct RemoteServer {
    QString id;          // stable, made when the server is added; names its keyring entry
    QString name;        // what the picker shows ("GPU node (vLLM)")
    QUrl baseUrl;        // what OpenAI clients take as base_url: http://host:8000/v1
    QStringList models;  // what /v1/models listed when the server was added or last tested
    bool usesKey = false;  // an API key belongs to it (kept in the keyring, never in settings)
};

struct RemoteModelInfo {
    QString id;                 // the model name requests carry
    qint64 contextLength = 0;   // vLLM's and SGLang's max_model_len; 0 when the server does not say
    QString ownedBy;
};

struct RemoteEndpoint {
    QString serverId;
    QString serverName;
    QUrl baseUrl;
    QString model;
    QString apiKey;   // empty: no Authorization header

    // baseUrl + "/" + path ("chat/completions"), with exactly one slash between them.
    QUrl url(const QString& path) const;
    // The model picker's and the bridge's name for this model: "remote:<server id>/<model>".
    QString ref() const { return refFor(serverId, model); }
    static QString refFor(const QString& serverId, const QString& model);
    static bool isRef(const QString& text) { return text.startsWith(QLatin1String("remote:")); }
    // Splits a ref; false when `ref` is not one.
    static bool parseRef(const QString& ref, QString* serverId, QString* model);
    // A base URL as people type it: adds http:// when no scheme is given and /v1 when there is no
    // path (vLLM, SGLang and DeepSeek's API all serve /v1).
    static QUrl normalizeBaseUrl(const QString& text);
};

}  // namespace fathom::app

Q_DECLARE_METATYPE(fathom::app::RemoteEndpoint)
Q_DECLARE_METATYPE(fathom::app::RemoteModelInfo)
