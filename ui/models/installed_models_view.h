// The "Installed" part of the model manager page: the embedded model and every model in the Hugging
// Face cache (from any tool) with its disk use, and the GGUF files of the HF cache, Ollama and LM
// Studio with their source and quantization; use one, open its folder, or delete it (after asking).
// GGUFs of other architectures are listed greyed, "not supported by Fathom", so a user sees why their
// Llama from Ollama is not in the model picker; only HF-cache models are deleted from here (Ollama
// and LM Studio manage their own files).
#pragma once

#include "app/hub/hub_cache_scanner.h"
#include "app/hub/local_gguf.h"
#include "app/services/model_locator.h"

#include <QWidget>

class QListWidget;
class QListWidgetItem;
class QPushButton;

namespace fathom::ui {

class InstalledModelsView final : public QWidget {
    Q_OBJECT
public:
    explicit InstalledModelsView(QWidget* parent = nullptr);

    // What the engine bridge found loadable (embedded model included) and the folder it has loaded.
    void setLocalModels(const QList<app::LocalModel>& models, const QString& loadedFolder);
    // The cache scan (DownloadService::installedModels): adds disk use, partial downloads, and models
    // that are not loadable (yet).
    void setCachedModels(const QList<app::CachedModel>& models);
    const QList<app::CachedModel>& cachedModels() const { return m_cached; }
    // GGUF files found on disk (DownloadService::installedGguf).
    void setGgufFiles(const QList<app::LocalGguf>& files);

    QListWidget* list() const { return m_list; }

signals:
    void useRequested(const QString& folder);
    void deleteRequested(const QString& repo);  // already confirmed by the user

private:
    void rebuild();
    void updateButtons();
    void confirmDelete(QListWidgetItem* item);

    QList<app::LocalModel> m_local;
    QList<app::CachedModel> m_cached;
    QList<app::LocalGguf> m_gguf;
    QString m_loadedFolder;
    QListWidget* m_list;
    QPushButton* m_open;
    QPushButton* m_delete;
    QPushButton* m_use;
};

}  // namespace fathom::ui
