// The key never leaves memory here: it goes from the keyring (or the prompt) into the endpoint the
// bridge's thread holds, and into ApiKeyStore's per-run memory when there is no keyring.
#include "app/remote/remote_connector.h"

#include "app/remote/remote_server_list.h"
#include "app/services/engine_bridge.h"

namespace fathom::app {

RemoteConnector::RemoteConnector(EngineBridge* bridge, ApiKeyStore* keys, QObject* parent)
    : QObject(parent), m_bridge(bridge), m_keys(keys)
{
    connect(m_keys, &ApiKeyStore::keyRead, this, &RemoteConnector::onKeyRead);
}

bool RemoteConnector::connectModel(const QString& ref)
{
    QString serverId, model;
    const RemoteServer* server = RemoteEndpoint::parseRef(ref, &serverId, &model) ? RemoteServerList::find(m_servers, serverId) : nullptr;
    if (!server) {
        emit failed(tr("This remote model's server is no longer configured: add it again in Settings → Models → Remote server."));
        return false;
    }
    m_pending = *server;
    m_pendingModel = model;
    if (!server->usesKey) {
        connectWith({});
    } else if (const std::optional<QString> key = m_keys->keyForThisRun(server->id)) {
        connectWith(*key);
    } else {
        m_keys->read(server->id);
    }
    return true;
}

void RemoteConnector::onKeyRead(const QString& serverId, const QString& key, ApiKeyStore::Outcome outcome, const QString&)
{
    if (serverId != m_pending.id) return;
    if (outcome == ApiKeyStore::Outcome::Found) {
        connectWith(key);
        return;
    }
    const QString why = outcome == ApiKeyStore::Outcome::NoKeyring
        ? tr("No desktop keyring (Secret Service or KWallet) is running, so Fathom cannot keep the API key of %1 "
             "between runs. Enter it for this run; Fathom asks once per run.").arg(m_pending.name)
        : tr("The keyring holds no API key for %1. Enter it for this run (add the server again in Settings → Models "
             "to store it).").arg(m_pending.name);
    ++m_prompts;
    const std::optional<QString> typed = m_prompt ? m_prompt(m_pending, why) : std::nullopt;
    if (!typed) {
        emit failed(tr("No API key for %1, so Fathom did not connect to it.").arg(m_pending.name));
        return;
    }
    m_keys->rememberForThisRun(m_pending.id, *typed);
    connectWith(*typed);
}

void RemoteConnector::connectWith(const QString& key)
{
    RemoteEndpoint e;
    e.serverId = m_pending.id;
    e.serverName = m_pending.name;
    e.baseUrl = m_pending.baseUrl;
    e.model = m_pendingModel;
    e.apiKey = key;
    m_pending = {};
    m_bridge->connectRemote(e);
}

}  // namespace fathom::app
