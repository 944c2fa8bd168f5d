// Keeps a window's own shortcuts (Ctrl+E, Ctrl+K, Ctrl+N: QShortcuts parented to the window with
// Qt::WindowShortcut or Qt::ApplicationShortcut context) working whichever widget has focus.
// Text widgets claim some of those keys first through QEvent::ShortcutOverride: with the X11 key
// scheme (xcb, as under Xvfb or on a Linux desktop) Ctrl+E is "end of line" and Ctrl+K "delete to
// end of line" in QPlainTextEdit and QLineEdit, so the chat composer or the search box used to
// swallow them.
#pragma once

#include <QObject>

class QWidget;

namespace fathom::ui {

class WindowShortcuts final : public QObject {
    Q_OBJECT
public:
    // Watches every ShortcutOverride in the application for widgets inside `window`; lives as
    // long as the window (it is its child).
    static void protect(QWidget* window);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    explicit WindowShortcuts(QWidget* window);
    QWidget* m_window;
};

}  // namespace fathom::ui
