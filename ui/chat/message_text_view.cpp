// Height follows the document: when the layout's size changes, updateGeometry() lets the chat
// view's layout give the message its new height.
#include "ui/chat/message_text_view.h"

#include "ui/chat/safe_text_document.h"
#include "ui/highlight/syntax_highlighter.h"

#include <QAbstractTextDocumentLayout>
#include <QApplication>
#include <QScrollBar>
#include <QTextBlock>
#include <QWheelEvent>

namespace fathom::ui {

MessageTextView::MessageTextView(ColorScheme scheme, QWidget* parent)
    : QTextBrowser(parent), m_document(new SafeTextDocument(this))
{
    setDocument(m_document);
    m_document->setDocumentMargin(2);
    setOpenLinks(false);
    setOpenExternalLinks(false);
    setFrameShape(QFrame::NoFrame);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard | Qt::LinksAccessibleByMouse);
    viewport()->setAutoFillBackground(false);
    setStyleSheet(QStringLiteral("QTextBrowser { background: transparent; }"));

    const bool dark = scheme == ColorScheme::Dark;
    MarkdownStyle style;
    style.codeBackground = dark ? QColor(0x1e, 0x21, 0x27) : QColor(0xf3, 0xf4, 0xf6);
    style.codeHeader = dark ? QColor(0x2a, 0x2e, 0x36) : QColor(0xe4, 0xe7, 0xeb);
    style.link = dark ? QColor(0x6c, 0xb6, 0xff) : QColor(0x1a, 0x5f, 0xc8);
    m_renderer = std::make_unique<MarkdownRenderer>(m_document, style);
    m_highlighter = new SyntaxHighlighter(m_document, QString(), scheme);

    connect(this, &QTextBrowser::anchorClicked, this, &MessageTextView::linkClicked);
    connect(m_document->documentLayout(), &QAbstractTextDocumentLayout::documentSizeChanged, this, [this] {
        const int h = heightForWidth(width());
        if (h != m_lastHeight) {
            m_lastHeight = h;
            updateGeometry();
        }
    });
}

MessageTextView::~MessageTextView() = default;

void MessageTextView::setMarkdownText(const QString& markdown)
{
    m_renderer->setMarkdown(markdown);
    // Only the re-rendered part, and only its code lines: the rest keeps its layout.
    for (QTextBlock b = m_document->findBlock(m_renderer->changedFrom()); b.isValid(); b = b.next()) {
        const QTextBlockFormat f = b.blockFormat();
        if (f.hasProperty(QTextFormat::BlockCodeFence) || f.hasProperty(QTextFormat::BlockCodeLanguage))
            m_highlighter->rehighlightBlock(b);
    }
}

void MessageTextView::setPlainTextContent(const QString& text)
{
    m_document->setPlainText(text);
}

int MessageTextView::heightForWidth(int width) const
{
    // The document is laid out at the viewport's width already; only probe when asked for another.
    if (width != this->width() || m_document->textWidth() <= 0) {
        const qreal saved = m_document->textWidth();
        m_document->setTextWidth(width);
        const int h = int(std::ceil(m_document->size().height()));
        m_document->setTextWidth(saved);
        return h;
    }
    return int(std::ceil(m_document->size().height()));
}

QSize MessageTextView::sizeHint() const
{
    return {QTextBrowser::sizeHint().width(), heightForWidth(width() > 0 ? width() : 600)};
}

QVariant MessageTextView::loadResource(int, const QUrl&)
{
    return {};  // SafeTextDocument answers first; this covers QTextBrowser's own path too.
}

void MessageTextView::resizeEvent(QResizeEvent* event)
{
    QTextBrowser::resizeEvent(event);
    updateGeometry();
}

void MessageTextView::wheelEvent(QWheelEvent* event)
{
    // The message never scrolls itself: the chat view around it does.
    event->ignore();
}

}  // namespace fathom::ui
