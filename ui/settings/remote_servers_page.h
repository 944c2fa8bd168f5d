// Settings → Models → "Remote server": the OpenAI-compatible servers Fathom may use (vLLM, SGLang,
// DeepSeek's API, ...). Add one (name, base URL, API key: the connection is tested and its models
// listed first), test the selected one again, remove it. The list goes back to the settings as
// "remote.servers"; keys go to the keyring only when the dialog is accepted (commitKeys).
#pragma once

#include "app/remote/remote_types.h"

#include <QHash>
#include <QNetworkAccessManager>
#include <QSet>
#include <QWidget>

class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;

namespace fathom::app {
class ApiKeyStore;
class RemoteModelLister;
}

namespace fathom::ui {

class RemoteServersPage final : public QWidget {
    Q_OBJECT
public:
    RemoteServersPage(const QList<app::RemoteServer>& servers, app::ApiKeyStore* keys, QWidget* parent = nullptr);

    const QList<app::RemoteServer>& servers() const { return m_servers; }
    bool changed() const { return m_changed; }
    // Writes the keys typed here to the keyring and deletes those of removed servers.
    void commitKeys();

    // For tests.
    QLineEdit* nameField() const { return m_name; }
    QLineEdit* urlField() const { return m_url; }
    QLineEdit* keyField() const { return m_key; }
    QPushButton* addButton() const { return m_add; }
    QPushButton* testButton() const { return m_test; }
    QPushButton* removeButton() const { return m_remove; }
    QListWidget* list() const { return m_list; }
    QLabel* statusLabel() const { return m_status; }

signals:
    void testFinished(bool ok);   // after Add or Test connection answered

private:
    void add();
    void testSelected();
    void removeSelected();
    void refreshList();
    void setBusy(bool busy);

    app::ApiKeyStore* m_keys;
    QNetworkAccessManager m_network;
    app::RemoteModelLister* m_lister;
    QList<app::RemoteServer> m_servers;
    QHash<QString, QString> m_newKeys;   // server id -> key typed in this dialog
    QSet<QString> m_removed;             // ids whose keys to delete
    bool m_changed = false;
    quint64 m_pending = 0;               // the lister request being waited for
    app::RemoteServer m_candidate;       // what Add is testing
    QString m_candidateKey;
    bool m_adding = false;

    QListWidget* m_list;
    QLineEdit* m_name;
    QLineEdit* m_url;
    QLineEdit* m_key;
    QPushButton* m_add;
    QPushButton* m_test;
    QPushButton* m_remove;
    QLabel* m_status;
};

}  // namespace fathom::ui
