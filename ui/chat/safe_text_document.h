// A QTextDocument that never loads a resource: model output may name remote images or local files,
// and showing a reply must fetch and read nothing (docs/RELIABILITY.md, "Showing model output").
#pragma once

#include <QTextDocument>

namespace fathom::ui {

class SafeTextDocument final : public QTextDocument {
    Q_OBJECT
public:
    explicit SafeTextDocument(QObject* parent = nullptr);
    // Counts refused loads so tests can prove an image was asked for and not fetched.
    int refusedLoads() const { return m_refusedLoads; }

protected:
    QVariant loadResource(int type, const QUrl& name) override;

private:
    int m_refusedLoads = 0;
};

}  // namespace fathom::ui
