// The message box under the chat: Enter sends, Shift+Enter starts a new line; it grows with its
// text up to a third of the window.
#pragma once

#include <QPlainTextEdit>

namespace fathom::ui {

class Composer final : public QPlainTextEdit {
    Q_OBJECT
public:
    explicit Composer(QWidget* parent = nullptr);
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override { return sizeHint(); }

signals:
    void sendRequested(const QString& text);

protected:
    void keyPressEvent(QKeyEvent* event) override;
};

}  // namespace fathom::ui
