// Connects the engine bridge to a model on a configured remote server: finds the server of a
// "remote:<server>/<model>" ref, gets its API key (this run's memory, else the keyring, else it asks
// the person — once per run, saying why when there is no keyring), then calls
// EngineBridge::connectRemote. GUI thread; the key prompt is a callback so tests answer it.
#pragma once

#include "app/remote/api_key_store.h"
#include "app/remote/remote_types.h"

#include <QObject>

#include <functional>
#include <optional>

namespace fathom::app {

class EngineBridge;

class RemoteConnector final : public QObject {
    Q_OBJECT
public:
    // Asked for a key: `why` says why Fathom asks (no keyring, nothing stored). nullopt = cancelled.
    using KeyPrompt = std::function<std::optional<QString>(const RemoteServer& server, const QString& why)>;

    RemoteConnector(EngineBridge* bridge, ApiKeyStore* keys, QObject* parent = nullptr);

    void setServers(const QList<RemoteServer>& servers) { m_servers = servers; }
    const QList<RemoteServer>& servers() const { return m_servers; }
    void setKeyPrompt(KeyPrompt prompt) { m_prompt = std::move(prompt); }

    // Starts connecting; false (and failed()) when the ref names no configured server.
    bool connectModel(const QString& ref);
    int promptsShown() const { return m_prompts; }

signals:
    // Nothing was asked of the bridge: no such server, or no key given.
    void failed(const QString& message);

private:
    void onKeyRead(const QString& serverId, const QString& key, ApiKeyStore::Outcome outcome, const QString& detail);
    void connectWith(const QString& key);

    EngineBridge* m_bridge;
    ApiKeyStore* m_keys;
    KeyPrompt m_prompt;
    QList<RemoteServer> m_servers;
    RemoteServer m_pending;      // the server whose key is being read
    QString m_pendingModel;
    int m_prompts = 0;
};

}  // namespace fathom::app
