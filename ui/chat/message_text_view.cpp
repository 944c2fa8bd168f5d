// Height follows the document: QTextEdit lays the document out at the viewport's width, the layout
// reports the new size, and the fixed height follows.
#include "ui/chat/message_text_view.h"

#include "ui/chat/safe_text_document.h"
#include "ui/highlight/syntax_highlighter.h"

#include <QAbstractTextDocumentLayout>
#include <QApplication>
#include <QScrollBar>
#include <QTextBlock>
#include <QWheelEvent>

#include <cmath>

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
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setFixedHeight(0);
    setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard | Qt::LinksAccessibleByMouse);
    // The message's background shows through (no per-widget style sheet: those make painting slow).
    viewport()->setAutoFillBackground(false);
    QPalette transparent = palette();
    transparent.setColor(QPalette::Base, Qt::transparent);
    setPalette(transparent);

    const bool dark = scheme == ColorScheme::Dark;
    MarkdownStyle style;
    style.codeBackground = dark ? QColor(0x25, 0x29, 0x31) : QColor(0xf3, 0xf4, 0xf6);
    style.codeHeader = dark ? QColor(0x2f, 0x34, 0x3d) : QColor(0xe4, 0xe7, 0xeb);
    style.link = dark ? QColor(0x6c, 0xb6, 0xff) : QColor(0x1a, 0x5f, 0xc8);
    m_renderer = std::make_unique<MarkdownRenderer>(m_document, style);
    m_highlighter = new SyntaxHighlighter(m_document, QString(), scheme);

    connect(this, &QTextBrowser::anchorClicked, this, &MessageTextView::linkClicked);
    connect(m_document->documentLayout(), &QAbstractTextDocumentLayout::documentSizeChanged, this,
            &MessageTextView::updateHeight);
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

void MessageTextView::updateHeight()
{
    const int h = int(std::ceil(m_document->size().height()));
    if (h != height()) setFixedHeight(h);
}

QVariant MessageTextView::loadResource(int, const QUrl&)
{
    return {};  // SafeTextDocument answers first; this covers QTextBrowser's own path too.
}

void MessageTextView::wheelEvent(QWheelEvent* event)
{
    // The message never scrolls itself: the chat view around it does.
    event->ignore();
}

}  // namespace fathom::ui
