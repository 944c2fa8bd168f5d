// The connection test is GET {base}/models through RemoteModelLister: asynchronous, so the dialog
// stays responsive while a far server answers (or does not).
#include "ui/settings/remote_servers_page.h"

#include "app/remote/api_key_store.h"
#include "app/remote/remote_model_lister.h"
#include "app/remote/remote_server_list.h"

#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace fathom::ui {

RemoteServersPage::RemoteServersPage(const QList<app::RemoteServer>& servers, app::ApiKeyStore* keys, QWidget* parent)
    : QWidget(parent), m_keys(keys), m_lister(new app::RemoteModelLister(&m_network, this)), m_servers(servers)
{
    auto* layout = new QVBoxLayout(this);
    auto* group = new QGroupBox(tr("Remote server"), this);
    auto* g = new QVBoxLayout(group);
    auto* intro = new QLabel(tr("Models on an OpenAI-compatible server — vLLM or SGLang on a GPU node, or a hosted API — "
                                "appear in the model picker beside the local ones."), group);
    intro->setWordWrap(true);
    g->addWidget(intro);
    m_list = new QListWidget(group);
    m_list->setObjectName(QStringLiteral("remoteServerList"));
    m_list->setMinimumHeight(90);
    g->addWidget(m_list);

    auto* form = new QFormLayout;
    m_name = new QLineEdit(group);
    m_name->setPlaceholderText(tr("GPU node (vLLM)"));
    m_url = new QLineEdit(group);
    m_url->setPlaceholderText(QStringLiteral("http://gpu-node:8000/v1"));
    m_key = new QLineEdit(group);
    m_key->setEchoMode(QLineEdit::Password);
    m_key->setPlaceholderText(tr("empty if the server needs none"));
    form->addRow(tr("Name"), m_name);
    form->addRow(tr("Base URL"), m_url);
    form->addRow(tr("API key"), m_key);
    g->addLayout(form);

    auto* buttons = new QHBoxLayout;
    m_add = new QPushButton(tr("Add"), group);
    m_test = new QPushButton(tr("Test connection"), group);
    m_remove = new QPushButton(tr("Remove"), group);
    buttons->addWidget(m_add);
    buttons->addWidget(m_test);
    buttons->addWidget(m_remove);
    buttons->addStretch(1);
    g->addLayout(buttons);
    m_status = new QLabel(group);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    g->addWidget(m_status);
    layout->addWidget(group);
    layout->addStretch(1);

    connect(m_add, &QPushButton::clicked, this, &RemoteServersPage::add);
    connect(m_test, &QPushButton::clicked, this, &RemoteServersPage::testSelected);
    connect(m_remove, &QPushButton::clicked, this, &RemoteServersPage::removeSelected);
    connect(m_list, &QListWidget::currentRowChanged, this, [this](int row) {
        m_test->setEnabled(row >= 0 && m_pending == 0);
        m_remove->setEnabled(row >= 0);
    });
    connect(m_lister, &app::RemoteModelLister::listed, this, [this](quint64 id, const QList<app::RemoteModelInfo>& models) {
        if (id != m_pending) return;
        setBusy(false);
        QStringList names;
        for (const app::RemoteModelInfo& m : models) names << m.id;
        if (m_adding) {
            m_adding = false;
            m_candidate.models = names;
            m_servers << m_candidate;
            if (m_candidate.usesKey) m_newKeys.insert(m_candidate.id, m_candidateKey);
            m_changed = true;
            m_name->clear();
            m_url->clear();
            m_key->clear();
            refreshList();
            m_list->setCurrentRow(int(m_servers.size()) - 1);
        } else if (m_list->currentRow() >= 0) {
            m_servers[m_list->currentRow()].models = names;
            m_changed = true;
            refreshList();
        }
        m_status->setText(names.isEmpty() ? tr("Connected, but the server lists no model.")
                                          : tr("Connected. Models: %1").arg(names.join(QStringLiteral(", "))));
        emit testFinished(true);
    });
    connect(m_lister, &app::RemoteModelLister::failed, this, [this](quint64 id, const QString& message) {
        if (id != m_pending) return;
        setBusy(false);
        m_adding = false;
        m_status->setText(message);
        emit testFinished(false);
    });
    connect(m_keys, &app::ApiKeyStore::written, this, [this](const QString&, bool stored, const QString& message) {
        if (!stored) m_status->setText(message);
    });
    refreshList();
    setBusy(false);
}

void RemoteServersPage::refreshList()
{
    const int row = m_list->currentRow();
    m_list->clear();
    for (const app::RemoteServer& s : std::as_const(m_servers))
        m_list->addItem(tr("%1 — %2 — %n model(s)", nullptr, int(s.models.size())).arg(s.name, s.baseUrl.toString()));
    m_list->setCurrentRow(std::min(row, int(m_servers.size()) - 1));
}

void RemoteServersPage::setBusy(bool busy)
{
    if (!busy) m_pending = 0;
    m_add->setEnabled(!busy);
    m_test->setEnabled(!busy && m_list->currentRow() >= 0);
    m_remove->setEnabled(m_list->currentRow() >= 0);
}

void RemoteServersPage::add()
{
    const QUrl url = app::RemoteEndpoint::normalizeBaseUrl(m_url->text());
    if (!url.isValid() || url.isEmpty()) {
        m_status->setText(tr("Enter the server's base URL, e.g. http://gpu-node:8000/v1 (vLLM, SGLang) or "
                             "https://api.deepseek.com/v1."));
        return;
    }
    m_candidate = {};
    m_candidate.id = app::RemoteServerList::newId();
    m_candidate.name = m_name->text().trimmed().isEmpty() ? url.host() : m_name->text().trimmed();
    m_candidate.baseUrl = url;
    m_candidateKey = m_key->text().trimmed();
    m_candidate.usesKey = !m_candidateKey.isEmpty();
    app::RemoteEndpoint e;
    e.baseUrl = url;
    e.apiKey = m_candidateKey;
    m_adding = true;
    setBusy(true);
    m_status->setText(tr("Connecting to %1…").arg(url.toString()));
    m_pending = m_lister->list(e);
}

void RemoteServersPage::testSelected()
{
    const int row = m_list->currentRow();
    if (row < 0) return;
    const app::RemoteServer& s = m_servers.at(row);
    app::RemoteEndpoint e;
    e.baseUrl = s.baseUrl;
    // A key typed in this dialog, else this run's, else the keyring's (read asynchronously).
    const std::optional<QString> known = m_newKeys.contains(s.id) ? std::optional<QString>(m_newKeys.value(s.id))
                                                                   : m_keys->keyForThisRun(s.id);
    setBusy(true);
    m_status->setText(tr("Connecting to %1…").arg(s.baseUrl.toString()));
    if (!s.usesKey || known) {
        e.apiKey = known.value_or(QString());
        m_pending = m_lister->list(e);
        return;
    }
    auto* once = new QObject(this);
    connect(m_keys, &app::ApiKeyStore::keyRead, once, [this, once, e, id = s.id](const QString& serverId, const QString& key,
                                                                                 app::ApiKeyStore::Outcome outcome) mutable {
        if (serverId != id) return;
        once->deleteLater();
        if (outcome != app::ApiKeyStore::Outcome::Found) {
            setBusy(false);
            m_status->setText(outcome == app::ApiKeyStore::Outcome::NoKeyring
                                  ? tr("No desktop keyring is running, so Fathom has no key for this server yet; it asks "
                                       "for it when you pick one of its models.")
                                  : tr("The keyring holds no key for this server: Remove it and Add it again with its key."));
            emit testFinished(false);
            return;
        }
        e.apiKey = key;
        m_pending = m_lister->list(e);
    });
    m_keys->read(s.id);
}

void RemoteServersPage::removeSelected()
{
    const int row = m_list->currentRow();
    if (row < 0) return;
    const QString id = m_servers.at(row).id;
    m_servers.removeAt(row);
    m_newKeys.remove(id);
    m_removed.insert(id);
    m_changed = true;
    refreshList();
    m_status->setText(tr("Removed. Its API key leaves the keyring when you press OK."));
}

void RemoteServersPage::commitKeys()
{
    for (auto it = m_newKeys.constBegin(); it != m_newKeys.constEnd(); ++it) m_keys->write(it.key(), it.value());
    for (const QString& id : std::as_const(m_removed)) m_keys->remove(id);
    m_newKeys.clear();
    m_removed.clear();
}

}  // namespace fathom::ui
