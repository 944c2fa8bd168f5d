// The model manager page: the catalog to download from, a field for any ORG/NAME repo or a local
// folder, the running downloads (progress, pause / resume / cancel, errors), and the installed models
// (embedded default + Hugging Face cache + GGUF files of the HF cache, Ollama and LM Studio) with
// disk use, open folder, delete and "use this model".
// Network and disk work happen in DownloadService's and EngineBridge's threads; this page only asks.
#pragma once

#include "app/hub/device_memory.h"
#include "app/hub/download_manager.h"
#include "app/hub/local_gguf.h"
#include "app/hub/model_catalog.h"
#include "app/hub/hub_cache_scanner.h"
#include "app/services/model_locator.h"

#include <QMap>
#include <QSet>
#include <QWidget>

class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QVBoxLayout;

namespace fathom::app {
class DownloadService;
}

namespace fathom::ui {

class CatalogCard;
class DownloadRow;
class InstalledModelsView;

class ModelsPage final : public QWidget {
    Q_OBJECT
public:
    explicit ModelsPage(QWidget* parent = nullptr);

    // The engine bridge's scan (loadable models, the embedded one first) and the loaded folder.
    void setModels(const QList<app::LocalModel>& models, const QString& loadedFolder);
    // Connects the download manager (not owned; outlives the page) and asks it for the cache scan.
    // Call it in the same event-loop turn that built the service: the jobs it restores from the
    // journal are announced through queued signals, so none is missed.
    void setDownloadService(app::DownloadService* service);
    // The GPU (or RAM) the catalog's GGUF recommendation is judged by; the service's probe calls it,
    // tests call it with made-up sizes.
    void setDeviceMemory(const app::DeviceMemory& memory);
    // GGUF files found on disk (the service's installedGguf); tests call it directly.
    void setGgufFiles(const QList<app::LocalGguf>& files);
    // True once the download service answered its first cache scan (or when there is none).
    bool isSettled() const { return !m_service || m_scanned; }

    QListWidget* list() const;  // the installed models
    QLineEdit* sourceField() const { return m_source; }
    DownloadRow* downloadRow(const QString& jobId) const { return m_rows.value(jobId); }
    QList<CatalogCard*> catalogCards() const { return m_cards; }

signals:
    void loadRequested(const QString& folder);
    void rescanRequested();
    void backRequested();
    void settled();
    // The runnable GGUF files, as the chat's model picker lists them (folder = the .gguf path).
    void ggufModelsChanged(const QList<fathom::app::LocalModel>& models);

private:
    QWidget* buildCatalog();
    QWidget* buildAddField();
    void addFromField();
    void chooseFolder();
    void startDownload(const QString& repo, const QString& revision);
    void startGgufDownload(const QString& repo, const QString& file);
    QSet<QString> installedQuants(const app::CatalogModel& model) const;
    DownloadRow* rowFor(const QString& jobId);
    void onInstalled(const QList<app::CachedModel>& models);
    void onJobState(const QString& jobId, app::DownloadManager::JobState state, const QString& message);
    void updateCatalog();
    void showMessage(const QString& text);

    app::DownloadService* m_service = nullptr;
    bool m_scanned = false;
    QList<CatalogCard*> m_cards;
    QLineEdit* m_source;
    QLabel* m_message;  // field and service errors, in words
    QWidget* m_downloads;
    QVBoxLayout* m_downloadsLayout;
    QMap<QString, DownloadRow*> m_rows;  // job id -> row
    QMap<QString, QStringList> m_jobGlobs;  // job id -> include globs, so Retry fetches the same file
    QList<app::LocalGguf> m_gguf;
    InstalledModelsView* m_installed;
};

}  // namespace fathom::ui
