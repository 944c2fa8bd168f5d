// The global settings dialog: default model, backend, context length, theme, and completion
// settings. Reads and returns storage Settings keys (see storage/settings.cpp for the list).
#pragma once

#include "app/services/model_locator.h"

#include <QDialog>
#include <QHash>
#include <QVariantMap>

namespace fathom::ui {

class SettingsDialog final : public QDialog {
    Q_OBJECT
public:
    SettingsDialog(const QVariantMap& settings, const QList<app::LocalModel>& models, QWidget* parent = nullptr);
    // Keys whose value the dialog changed, with their new values.
    QVariantMap changedValues() const;
    // The editor for one key ("ui.theme"), for tests.
    QWidget* editor(const QString& key) const { return m_editors.value(key); }

private:
    QVariant value(const QString& key) const;

    QVariantMap m_initial;
    QHash<QString, QWidget*> m_editors;
};

}  // namespace fathom::ui
