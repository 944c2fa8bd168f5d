// Widgets per message, laid out in a column that is capped at a readable width and centred.
#include "ui/chat/chat_view.h"

#include "ui/chat/message_widget.h"

#include <QLabel>
#include <QScrollBar>
#include <QVBoxLayout>

namespace fathom::ui {

namespace {
constexpr int kFrameMs = 33;        // render streamed text at most ~30 times a second
constexpr int kColumnWidth = 860;   // readable line length for the message column
}  // namespace

ChatView::ChatView(ColorScheme scheme, QWidget* parent)
    : QScrollArea(parent), m_scheme(scheme), m_content(new QWidget), m_column(new QVBoxLayout),
      m_placeholder(new QLabel)
{
    setObjectName(QStringLiteral("chatView"));
    setWidgetResizable(true);
    setFrameShape(QFrame::NoFrame);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_content->setObjectName(QStringLiteral("chatContent"));

    auto* outer = new QHBoxLayout(m_content);
    outer->setContentsMargins(16, 12, 16, 12);
    outer->addStretch(1);
    auto* columnHolder = new QWidget(m_content);
    columnHolder->setMaximumWidth(kColumnWidth);
    columnHolder->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    columnHolder->setLayout(m_column);
    outer->addWidget(columnHolder, 100);
    outer->addStretch(1);
    m_column->setContentsMargins(0, 0, 0, 0);
    m_column->setSpacing(10);
    m_placeholder->setObjectName(QStringLiteral("chatPlaceholder"));
    m_placeholder->setAlignment(Qt::AlignCenter);
    m_placeholder->setWordWrap(true);
    m_placeholder->setTextFormat(Qt::RichText);
    m_placeholder->setOpenExternalLinks(false);
    m_column->addWidget(m_placeholder);
    m_column->addStretch(1);
    setWidget(m_content);

    m_frame.setSingleShot(true);
    m_frame.setInterval(kFrameMs);
    connect(&m_frame, &QTimer::timeout, this, &ChatView::flush);

    QScrollBar* bar = verticalScrollBar();
    connect(bar, &QScrollBar::valueChanged, this, [this, bar](int value) { m_pinned = value >= bar->maximum() - 8; });
    connect(bar, &QScrollBar::rangeChanged, this, [this, bar](int, int max) {
        if (m_pinned) bar->setValue(max);
    });
}

MessageWidget* ChatView::createWidget(const app::ChatMessage& message)
{
    auto* w = new MessageWidget(message, m_scheme, m_content);
    connect(w, &MessageWidget::siblingRequested, this, &ChatView::siblingRequested);
    connect(w, &MessageWidget::regenerateRequested, this, &ChatView::regenerateRequested);
    connect(w, &MessageWidget::editSubmitted, this, &ChatView::editSubmitted);
    connect(w, &MessageWidget::linkClicked, this, &ChatView::linkClicked);
    return w;
}

void ChatView::setMessages(const QList<app::ChatMessage>& path)
{
    // Keep the common prefix (same ids in the same places); replace the rest.
    int keep = 0;
    while (keep < m_widgets.size() && keep < path.size() && m_widgets[keep]->messageId() == path[keep].id &&
           path[keep].id != 0) {
        m_widgets[keep]->setMessage(path[keep]);
        ++keep;
    }
    while (m_widgets.size() > keep) delete m_widgets.takeLast();
    setUpdatesEnabled(false);
    for (int i = keep; i < path.size(); ++i) {
        MessageWidget* w = createWidget(path[i]);
        m_column->insertWidget(m_column->count() - 1, w);
        w->show();  // now, not on the layout's queued show: callers may look at it at once
        m_widgets.append(w);
    }
    setUpdatesEnabled(true);
    m_pinned = true;
    updatePlaceholder();
}

MessageWidget* ChatView::messageById(qint64 id) const
{
    for (auto it = m_widgets.crbegin(); it != m_widgets.crend(); ++it)
        if ((*it)->messageId() == id) return *it;
    return nullptr;
}

void ChatView::upsertMessage(const app::ChatMessage& message)
{
    if (MessageWidget* w = messageById(message.id)) {
        if (w->needsRender()) w->render();
        w->setMessage(message);
        return;
    }
    MessageWidget* w = createWidget(message);
    m_column->insertWidget(m_column->count() - 1, w);
    w->show();
    m_widgets.append(w);
    m_pinned = true;
    updatePlaceholder();
}

void ChatView::appendText(qint64 messageId, const QString& text)
{
    MessageWidget* w = messageById(messageId);
    if (!w) return;
    w->appendText(text);
    if (!m_frame.isActive()) m_frame.start();
}

void ChatView::flush()
{
    m_frame.stop();
    for (MessageWidget* w : std::as_const(m_widgets))
        if (w->needsRender()) w->render();
}

void ChatView::setColorScheme(ColorScheme scheme)
{
    m_scheme = scheme;
    qDeleteAll(m_widgets);
    m_widgets.clear();
}

void ChatView::setPlaceholder(const QString& text)
{
    m_placeholder->setText(text);
    updatePlaceholder();
}

void ChatView::updatePlaceholder()
{
    m_placeholder->setVisible(m_widgets.isEmpty() && !m_placeholder->text().isEmpty());
}

}  // namespace fathom::ui
