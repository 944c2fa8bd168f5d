// The global settings dialog: default model, backend, context length, theme, and completion
// settings. Reads and returns storage Settings keys (see storage/settings.cpp for the list).
#pragma once

#include "app/services/model_locator.h"

#include <QDialog>
#include <QHash>
#include <QVariantMap>

namespace fathom::app {
class ApiKeyStore;
}

namespace fathom::ui {

class RemoteServersPage;

class SettingsDialog final : public QDialog {
    Q_OBJECT
public:
    // With `keys`, a Models tab manages remote servers ("remote.servers"; keys go to `keys` on OK).
    SettingsDialog(const QVariantMap& settings, const QList<app::LocalModel>& models, QWidget* parent = nullptr,
                   app::ApiKeyStore* keys = nullptr);
    // Keys whose value the dialog changed, with their new values.
    QVariantMap changedValues() const;
    // The editor for one key ("ui.theme"), for tests.
    QWidget* editor(const QString& key) const { return m_editors.value(key); }
    RemoteServersPage* remoteServersPage() const { return m_remote; }
    void accept() override;

private:
    QVariant value(const QString& key) const;

    QVariantMap m_initial;
    QHash<QString, QWidget*> m_editors;
    RemoteServersPage* m_remote = nullptr;
};

}  // namespace fathom::ui
