// One model of the built-in catalog on the model manager page: what it is good for, download size,
// GPU memory it needs, context, license, and a Download button that says when it is already there.
#pragma once

#include "app/hub/model_catalog.h"

#include <QFrame>

class QLabel;
class QPushButton;

namespace fathom::ui {

class CatalogCard final : public QFrame {
    Q_OBJECT
public:
    explicit CatalogCard(const app::CatalogModel& model, QWidget* parent = nullptr);

    const app::CatalogModel& model() const { return m_model; }
    enum class Status { Available, Downloading, Installed };
    void setStatus(Status status);
    QPushButton* downloadButton() const { return m_download; }

signals:
    void downloadRequested(const QString& repo, const QString& revision);

protected:
    void changeEvent(QEvent* event) override;

private:
    void setLicenseText();

    app::CatalogModel m_model;
    QLabel* m_license;
    QPushButton* m_download;
};

}  // namespace fathom::ui
