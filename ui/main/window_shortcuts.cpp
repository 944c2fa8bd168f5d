// See window_shortcuts.h: refuse a text widget's claim on a key that is one of the window's own
// shortcuts, so the shortcut map delivers it to the QShortcut instead.
#include "ui/main/window_shortcuts.h"

#include <QApplication>
#include <QKeyEvent>
#include <QKeySequence>
#include <QShortcut>
#include <QWidget>

namespace fathom::ui {

WindowShortcuts::WindowShortcuts(QWidget* window) : QObject(window), m_window(window)
{
    qApp->installEventFilter(this);
}

void WindowShortcuts::protect(QWidget* window)
{
    new WindowShortcuts(window);
}

bool WindowShortcuts::eventFilter(QObject* watched, QEvent* event)
{
    if (event->type() != QEvent::ShortcutOverride)
        return false;
    auto* widget = qobject_cast<QWidget*>(watched);
    if (!widget || widget->window() != m_window)
        return false;
    const QKeySequence pressed(static_cast<QKeyEvent*>(event)->keyCombination());
    // Only the window's direct QShortcuts: a page's own (the editor's Ctrl+F, WidgetWithChildren)
    // stay second to the widget, as Qt intends.
    for (const QShortcut* s : m_window->findChildren<QShortcut*>(Qt::FindDirectChildrenOnly)) {
        if (!s->isEnabled() || (s->context() != Qt::WindowShortcut && s->context() != Qt::ApplicationShortcut))
            continue;
        if (s->keys().contains(pressed)) {
            event->ignore();  // not claimed: QShortcutMap goes on to the window's shortcut
            return true;      // and the text widget never sees the override
        }
    }
    return false;
}

}  // namespace fathom::ui
