// The configured remote servers as the settings database keeps them (key "remote.servers", a JSON
// array): name, base URL, the models last listed, and whether a key belongs to it — the key itself
// lives in the keyring (ApiKeyStore).
#pragma once

#include "app/remote/remote_types.h"

namespace fathom::app {

class RemoteServerList final {
public:
    static QList<RemoteServer> fromJson(const QString& json);   // unreadable entries are skipped
    static QString toJson(const QList<RemoteServer>& servers);
    static QString newId();                                     // random, no slash
    static const RemoteServer* find(const QList<RemoteServer>& servers, const QString& id);
};

}  // namespace fathom::app
