// Height = lines of text (1 to 10) so short prompts keep the chat in view.
#include "ui/main/composer.h"

#include <QKeyEvent>
#include <QTextBlock>

namespace fathom::ui {

Composer::Composer(QWidget* parent) : QPlainTextEdit(parent)
{
    setObjectName(QStringLiteral("composer"));
    setPlaceholderText(tr("Message Fathom — Enter to send, Shift+Enter for a new line"));
    setTabChangesFocus(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    connect(this, &QPlainTextEdit::textChanged, this, [this] { updateGeometry(); });
}

QSize Composer::sizeHint() const
{
    const int lines = std::clamp(int(document()->lineCount()), 1, 10);
    const int h = fontMetrics().lineSpacing() * lines + int(document()->documentMargin() * 2) + frameWidth() * 2 + 8;
    return {400, h};
}

void Composer::keyPressEvent(QKeyEvent* event)
{
    const bool enter = event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter;
    if (enter && !(event->modifiers() & (Qt::ShiftModifier | Qt::ControlModifier | Qt::AltModifier))) {
        const QString text = toPlainText();
        if (!text.trimmed().isEmpty()) emit sendRequested(text);
        event->accept();
        return;
    }
    if (enter && (event->modifiers() & Qt::ShiftModifier)) {
        insertPlainText(QStringLiteral("\n"));
        event->accept();
        return;
    }
    QPlainTextEdit::keyPressEvent(event);
}

}  // namespace fathom::ui
