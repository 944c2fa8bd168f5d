// One model of the built-in catalog on the model manager page: what it is good for, download size,
// GPU memory it needs, context, license, and a Download button that says when it is already there;
// below it the model's GGUF files (quant, download size, GPU memory at 8k context), the one
// recommended for the detected GPU (or RAM) preselected, and a button that downloads just that file.
#pragma once

#include "app/hub/device_memory.h"
#include "app/hub/model_catalog.h"

#include <QSet>

#include <QFrame>

class QComboBox;
class QLabel;
class QPushButton;
class QVBoxLayout;

namespace fathom::ui {

class CatalogCard final : public QFrame {
    Q_OBJECT
public:
    explicit CatalogCard(const app::CatalogModel& model, QWidget* parent = nullptr);

    const app::CatalogModel& model() const { return m_model; }
    enum class Status { Available, Downloading, Installed };
    void setStatus(Status status);
    QPushButton* downloadButton() const { return m_download; }

    // Preselects QuantRecommender's pick and says "Recommended for your GPU (N GB)".
    void setDeviceMemory(const app::DeviceMemory& memory);
    // Quants already on this computer (any source), and whether a GGUF of this model is downloading.
    void setGgufStatus(const QSet<QString>& installedQuants, bool downloading);
    int recommendedGguf() const { return m_recommended; }  // index into model().gguf, -1 = none fits
    QComboBox* quantBox() const { return m_quant; }
    QLabel* recommendationLabel() const { return m_recommendation; }
    QPushButton* ggufButton() const { return m_ggufDownload; }

signals:
    void downloadRequested(const QString& repo, const QString& revision);
    void ggufDownloadRequested(const QString& repo, const QString& file);

protected:
    void changeEvent(QEvent* event) override;

private:
    void setLicenseText();
    void buildGguf(QVBoxLayout* layout);
    void updateGguf();

    app::CatalogModel m_model;
    QLabel* m_license;
    QPushButton* m_download;
    QComboBox* m_quant = nullptr;
    QLabel* m_recommendation = nullptr;
    QPushButton* m_ggufDownload = nullptr;
    QSet<QString> m_installedQuants;
    bool m_ggufDownloading = false;
    int m_recommended = -1;
};

}  // namespace fathom::ui
