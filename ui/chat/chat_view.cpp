// Manual column layout: message i sits at y = sum of the heights before it. A message's height
// change reaches us as a LayoutRequest on the content widget (it has no QLayout); one pass then
// moves only the messages whose place changed and shows only those within a screen of the view.
#include "ui/chat/chat_view.h"

#include "ui/chat/message_widget.h"

#include <QEvent>
#include <QLabel>
#include <QLayout>
#include <QScrollBar>

namespace fathom::ui {

namespace {
constexpr int kFrameMs = 33;         // render streamed text at most ~30 times a second
constexpr int kColumnWidth = 860;    // readable line length for the message column
constexpr int kSideMargin = 16;
constexpr int kTopMargin = 12;
constexpr int kSpacing = 10;
}  // namespace

ChatView::ChatView(ColorScheme scheme, QWidget* parent)
    : QScrollArea(parent), m_scheme(scheme), m_content(new QWidget), m_placeholder(new QLabel(m_content))
{
    setObjectName(QStringLiteral("chatView"));
    setWidgetResizable(false);
    setFrameShape(QFrame::NoFrame);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_content->setObjectName(QStringLiteral("chatContent"));
    m_content->installEventFilter(this);
    m_placeholder->setObjectName(QStringLiteral("chatPlaceholder"));
    m_placeholder->setAlignment(Qt::AlignCenter);
    m_placeholder->setWordWrap(true);
    m_placeholder->setTextFormat(Qt::RichText);
    m_placeholder->setOpenExternalLinks(false);
    setWidget(m_content);

    m_frame.setSingleShot(true);
    m_frame.setInterval(kFrameMs);
    connect(&m_frame, &QTimer::timeout, this, &ChatView::flush);

    QScrollBar* bar = verticalScrollBar();
    connect(bar, &QScrollBar::valueChanged, this, [this, bar](int value) {
        m_pinned = value >= bar->maximum() - 8;
        updateVisibility();
    });
    connect(bar, &QScrollBar::rangeChanged, this, [this, bar](int, int max) {
        if (m_pinned) bar->setValue(max);
    });
    relayout();
}

MessageWidget* ChatView::createWidget(const app::ChatMessage& message)
{
    auto* w = new MessageWidget(message, m_scheme, m_content);
    connect(w, &MessageWidget::siblingRequested, this, &ChatView::siblingRequested);
    connect(w, &MessageWidget::regenerateRequested, this, &ChatView::regenerateRequested);
    connect(w, &MessageWidget::editSubmitted, this, &ChatView::editSubmitted);
    connect(w, &MessageWidget::linkClicked, this, &ChatView::linkClicked);
    w->setShowReasoning(m_showReasoning);
    w->show();
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
    for (int i = keep; i < path.size(); ++i) m_widgets.append(createWidget(path[i]));
    m_pinned = true;
    updatePlaceholder();
    relayout();
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
    m_widgets.append(createWidget(message));
    m_pinned = true;
    updatePlaceholder();
    relayout();
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
    bool rendered = false;
    for (MessageWidget* w : std::as_const(m_widgets)) {
        if (!w->needsRender()) continue;
        w->render();
        // Settle the message's new height now, not through two posted LayoutRequests: the frame
        // is then painted once, already scrolled, instead of once grown and once scrolled.
        if (w->layout()) w->layout()->activate();
        rendered = true;
    }
    if (rendered) relayout();
}

void ChatView::setColorScheme(ColorScheme scheme)
{
    m_scheme = scheme;
    qDeleteAll(m_widgets);
    m_widgets.clear();
}

void ChatView::setShowReasoning(bool show)
{
    m_showReasoning = show;
    for (MessageWidget* w : std::as_const(m_widgets)) w->setShowReasoning(show);
}

void ChatView::setPlaceholder(const QString& text)
{
    m_placeholder->setText(text);
    updatePlaceholder();
    relayout();
}

void ChatView::updatePlaceholder()
{
    m_placeholder->setVisible(m_widgets.isEmpty() && !m_placeholder->text().isEmpty());
}

int ChatView::shownMessageCount() const
{
    int n = 0;
    for (const MessageWidget* w : m_widgets) n += w->isHidden() ? 0 : 1;
    return n;
}

bool ChatView::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_content && event->type() == QEvent::LayoutRequest) relayout();
    return QScrollArea::eventFilter(watched, event);
}

void ChatView::resizeEvent(QResizeEvent* event)
{
    QScrollArea::resizeEvent(event);
    relayout();
}

void ChatView::relayout()
{
    const int viewWidth = viewport()->width();
    const int column = std::max(200, std::min(kColumnWidth, viewWidth - 2 * kSideMargin));
    const int x = std::max(0, (viewWidth - column) / 2);
    int y = kTopMargin;
    if (!m_placeholder->isHidden()) {
        const int h = m_placeholder->heightForWidth(column);
        // The empty state sits a third of the way down, not glued to the top.
        const int top = std::max(kTopMargin, (viewport()->height() - h) / 3);
        m_placeholder->setGeometry(x, top, column, h);
        y = top + h;
    }
    for (MessageWidget* w : std::as_const(m_widgets)) {
        const int h = w->sizeHint().height();
        const QRect r(x, y, column, h);
        if (w->geometry() != r) w->setGeometry(r);
        y += h + kSpacing;
    }
    const QSize size(viewWidth, std::max(y + kTopMargin, viewport()->height()));
    if (m_content->size() != size) m_content->resize(size);
    updateVisibility();
}

void ChatView::updateVisibility()
{
    // Show what is on screen plus one screen above and below, so scrolling finds them laid out.
    const int screen = viewport()->height();
    const int top = verticalScrollBar()->value() - screen;
    const int bottom = verticalScrollBar()->value() + 2 * screen;
    bool stale = false;
    for (MessageWidget* w : std::as_const(m_widgets)) {
        const QRect r = w->geometry();
        const bool near = r.bottom() >= top && r.top() <= bottom;
        if (near == !w->isHidden()) continue;
        w->setVisible(near);
        // A message hidden while its width changed learns its height only now.
        if (near && w->sizeHint().height() != r.height()) stale = true;
    }
    if (stale) QMetaObject::invokeMethod(this, &ChatView::relayout, Qt::QueuedConnection);
}

}  // namespace fathom::ui
