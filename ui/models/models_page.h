// The model manager page: models already on disk (embedded default, Hugging Face cache) with Load,
// and the slot where the download manager's page goes (setDownloadsWidget) once it is built.
#pragma once

#include "app/services/model_locator.h"

#include <QWidget>

class QGroupBox;
class QListWidget;
class QVBoxLayout;

namespace fathom::ui {

class ModelsPage final : public QWidget {
    Q_OBJECT
public:
    explicit ModelsPage(QWidget* parent = nullptr);

    void setModels(const QList<app::LocalModel>& models, const QString& loadedFolder);
    // Puts the download manager's widget in place of the placeholder (the page takes ownership).
    void setDownloadsWidget(QWidget* widget);
    QListWidget* list() const { return m_list; }

signals:
    void loadRequested(const QString& folder);
    void rescanRequested();
    void backRequested();

private:
    QListWidget* m_list;
    QGroupBox* m_downloads;
    QVBoxLayout* m_downloadsLayout;
    QWidget* m_downloadsPlaceholder;
};

}  // namespace fathom::ui
