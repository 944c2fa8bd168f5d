// API keys of remote servers in the desktop keyring (Secret Service or KWallet, through QtKeychain),
// never in the settings database or a log. Without a keyring — no daemon, a headless session, the
// test suite — it says so (Outcome::NoKeyring) and keeps a key the person typed for this run only,
// in memory. Asynchronous: every call answers with a signal. GUI thread.
#pragma once

#include <QHash>
#include <QObject>
#include <QString>

#include <optional>

namespace fathom::app {

class ApiKeyStore final : public QObject {
    Q_OBJECT
public:
    enum class Outcome { Found, NotStored, NoKeyring };
    Q_ENUM(Outcome)

    // `service` names Fathom's entries in the keyring (tests use their own).
    explicit ApiKeyStore(const QString& service = QStringLiteral("Fathom remote servers"), QObject* parent = nullptr);

    void read(const QString& serverId);                      // keyRead follows
    void write(const QString& serverId, const QString& key);  // written follows
    void remove(const QString& serverId);                    // removed follows

    // Set once a keyring call failed for want of a keyring.
    bool keyringMissing() const { return m_missing; }
    // Keys given during this run (typed when there was no keyring); memory only.
    void rememberForThisRun(const QString& serverId, const QString& key) { m_session.insert(serverId, key); }
    std::optional<QString> keyForThisRun(const QString& serverId) const;

signals:
    // `detail`: the keyring's own words when it failed.
    void keyRead(const QString& serverId, const QString& key, fathom::app::ApiKeyStore::Outcome outcome, const QString& detail);
    // stored: false when there is no keyring (the key is then kept for this run only).
    void written(const QString& serverId, bool stored, const QString& message);
    void removed(const QString& serverId);

private:
    QString m_service;
    bool m_missing = false;
    QHash<QString, QString> m_session;
};

}  // namespace fathom::app
