// QtKeychain jobs delete themselves after finished(). The insecure plain-text fallback stays off:
// a key is either in the keyring or only in memory.
#include "app/remote/api_key_store.h"

#include <qt6keychain/keychain.h>

namespace fathom::app {

namespace {

bool meansNoKeyring(QKeychain::Error e)
{
    // Without a running Secret Service / KWallet, QtKeychain reports NoBackendAvailable, or
    // OtherError carrying the D-Bus failure; a locked keyring the person refused to open counts too.
    return e == QKeychain::NoBackendAvailable || e == QKeychain::NotImplemented || e == QKeychain::OtherError ||
           e == QKeychain::AccessDenied || e == QKeychain::AccessDeniedByUser;
}

}  // namespace

ApiKeyStore::ApiKeyStore(const QString& service, QObject* parent) : QObject(parent), m_service(service)
{
    qRegisterMetaType<fathom::app::ApiKeyStore::Outcome>();
}

std::optional<QString> ApiKeyStore::keyForThisRun(const QString& serverId) const
{
    const auto it = m_session.constFind(serverId);
    return it == m_session.constEnd() ? std::nullopt : std::optional<QString>(*it);
}

void ApiKeyStore::read(const QString& serverId)
{
    auto* job = new QKeychain::ReadPasswordJob(m_service, this);
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    job->setKey(serverId);
    connect(job, &QKeychain::Job::finished, this, [this, serverId](QKeychain::Job* j) {
        auto* r = static_cast<QKeychain::ReadPasswordJob*>(j);
        if (r->error() == QKeychain::NoError) {
            emit keyRead(serverId, r->textData(), Outcome::Found, {});
        } else if (r->error() == QKeychain::EntryNotFound) {
            emit keyRead(serverId, {}, Outcome::NotStored, {});
        } else {
            m_missing = m_missing || meansNoKeyring(r->error());
            emit keyRead(serverId, {}, meansNoKeyring(r->error()) ? Outcome::NoKeyring : Outcome::NotStored, r->errorString());
        }
    });
    job->start();
}

void ApiKeyStore::write(const QString& serverId, const QString& key)
{
    auto* job = new QKeychain::WritePasswordJob(m_service, this);
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    job->setKey(serverId);
    job->setTextData(key);
    connect(job, &QKeychain::Job::finished, this, [this, serverId, key](QKeychain::Job* j) {
        if (j->error() == QKeychain::NoError) {
            m_session.remove(serverId);
            emit written(serverId, true, {});
            return;
        }
        m_missing = true;
        m_session.insert(serverId, key);
        emit written(serverId, false,
                     tr("No desktop keyring is available (%1), so the API key is kept only until Fathom closes; "
                        "Fathom will ask for it once in each run. Start a Secret Service keyring (GNOME Keyring, "
                        "KeePassXC) or KWallet to keep it.").arg(j->errorString()));
    });
    job->start();
}

void ApiKeyStore::remove(const QString& serverId)
{
    m_session.remove(serverId);
    auto* job = new QKeychain::DeletePasswordJob(m_service, this);
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    job->setKey(serverId);
    connect(job, &QKeychain::Job::finished, this, [this, serverId](QKeychain::Job*) { emit removed(serverId); });
    job->start();
}

}  // namespace fathom::app
