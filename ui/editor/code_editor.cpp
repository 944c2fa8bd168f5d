// CodeEditor. The ghost text lives in the cursor block's QTextLayout as its preedit area (the
// mechanism input methods use for uncommitted text): QPlainTextEdit lays the block out with it, so a
// multi-line suggestion pushes the following lines down instead of covering them, and it never
// enters the document, its undo stack or its revision.
#include "ui/editor/code_editor.h"

#include "ui/editor/line_number_area.h"
#include "ui/editor/text_suggestion.h"
#include "ui/highlight/syntax_highlighter.h"

#include <QFileInfo>
#include <QFontDatabase>
#include <QHash>
#include <QKeyEvent>
#include <QMimeData>
#include <QPainter>
#include <QTextBlock>
#include <QTextLayout>

namespace fathom::ui {

namespace {

constexpr int kIndent = 4;
constexpr int kBracketScanLimit = 50000;  // characters searched for a matching bracket

QChar matchingBracket(QChar c)
{
    switch (c.unicode()) {
    case '(': return u')';
    case '[': return u']';
    case '{': return u'}';
    case ')': return u'(';
    case ']': return u'[';
    case '}': return u'{';
    default: return {};
    }
}

bool isOpening(QChar c) { return c == u'(' || c == u'[' || c == u'{'; }

// Position of the bracket matching the one at `pos`, or -1.
int findMatch(const QTextDocument* doc, int pos)
{
    const QChar c = doc->characterAt(pos);
    const QChar m = matchingBracket(c);
    if (m.isNull()) return -1;
    const int step = isOpening(c) ? 1 : -1;
    int depth = 0;
    for (int i = pos, n = 0; i >= 0 && i < doc->characterCount() && n < kBracketScanLimit; i += step, ++n) {
        const QChar x = doc->characterAt(i);
        if (x == c) ++depth;
        else if (x == m && --depth == 0) return i;
    }
    return -1;
}

}  // namespace

CodeEditor::CodeEditor(QWidget* parent) : QPlainTextEdit(parent)
{
    setObjectName(QStringLiteral("codeEditor"));
    QFont font = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    font.setPointSize(11);
    setFont(font);
    setLineWrapMode(QPlainTextEdit::NoWrap);
    setTabStopDistance(fontMetrics().horizontalAdvance(u' ') * kIndent);
    m_gutter = new LineNumberArea(this);
    connect(this, &QPlainTextEdit::blockCountChanged, this, &CodeEditor::updateGutterWidth);
    connect(this, &QPlainTextEdit::updateRequest, this, &CodeEditor::updateGutter);
    connect(this, &QPlainTextEdit::cursorPositionChanged, this, &CodeEditor::updateExtraSelections);
    connect(document(), &QTextDocument::contentsChange, this, &CodeEditor::onContentsChange);
    updateGutterWidth();
    updateExtraSelections();
}

CodeEditor::~CodeEditor()
{
    // The highlighter clears its formats as it goes, which the document reports as a change.
    disconnect(document(), nullptr, this, nullptr);
    m_highlighter.reset();
}

QString CodeEditor::languageForFile(const QString& path)
{
    static const QHash<QString, QString> bySuffix = {
        {QStringLiteral("py"), QStringLiteral("python")},     {QStringLiteral("pyi"), QStringLiteral("python")},
        {QStringLiteral("c"), QStringLiteral("cpp")},         {QStringLiteral("h"), QStringLiteral("cpp")},
        {QStringLiteral("cc"), QStringLiteral("cpp")},        {QStringLiteral("cpp"), QStringLiteral("cpp")},
        {QStringLiteral("cxx"), QStringLiteral("cpp")},       {QStringLiteral("hpp"), QStringLiteral("cpp")},
        {QStringLiteral("hh"), QStringLiteral("cpp")},        {QStringLiteral("hxx"), QStringLiteral("cpp")},
        {QStringLiteral("cu"), QStringLiteral("cpp")},        {QStringLiteral("cuh"), QStringLiteral("cpp")},
        {QStringLiteral("js"), QStringLiteral("javascript")}, {QStringLiteral("jsx"), QStringLiteral("javascript")},
        {QStringLiteral("mjs"), QStringLiteral("javascript")}, {QStringLiteral("cjs"), QStringLiteral("javascript")},
        {QStringLiteral("ts"), QStringLiteral("typescript")}, {QStringLiteral("tsx"), QStringLiteral("typescript")},
        {QStringLiteral("rs"), QStringLiteral("rust")},       {QStringLiteral("go"), QStringLiteral("go")},
        {QStringLiteral("java"), QStringLiteral("java")},     {QStringLiteral("json"), QStringLiteral("json")},
        {QStringLiteral("jsonl"), QStringLiteral("json")},    {QStringLiteral("md"), QStringLiteral("markdown")},
        {QStringLiteral("markdown"), QStringLiteral("markdown")}, {QStringLiteral("sh"), QStringLiteral("bash")},
        {QStringLiteral("bash"), QStringLiteral("bash")},     {QStringLiteral("zsh"), QStringLiteral("bash")},
    };
    return bySuffix.value(QFileInfo(path).suffix().toLower());
}

void CodeEditor::setLanguage(const QString& language)
{
    const bool hadSuggestion = hasVisibleSuggestion();
    removeSuggestionLayout();
    m_language = language;
    m_highlighter.reset();  // detaches from the document and clears its formats
    if (!language.isEmpty()) m_highlighter = std::make_unique<SyntaxHighlighter>(document(), language, m_scheme);
    if (hadSuggestion) layoutSuggestion();
}

void CodeEditor::setColorScheme(ColorScheme scheme)
{
    m_scheme = scheme;
    setLanguage(m_language);
    updateExtraSelections();
    m_gutter->update();
}

QColor CodeEditor::ghostColor() const
{
    return m_scheme == ColorScheme::Dark ? QColor(0x7a, 0x80, 0x8a) : QColor(0x9a, 0xa0, 0xa8);
}

// ---- ghost text -------------------------------------------------------------------------------

bool CodeEditor::hasVisibleSuggestion() const
{
    return m_suggestion && !m_suggestion->isEmpty();
}

void CodeEditor::showSuggestion(const QString& text, int position)
{
    if (!m_suggestion || m_suggestion->position() != position) m_suggestion = std::make_unique<TextSuggestion>(text, position);
    else m_suggestion->setText(text);
    layoutSuggestion();
}

void CodeEditor::clearSuggestion()
{
    m_suggestion.reset();
    removeSuggestionLayout();
}

void CodeEditor::removeSuggestionLayout()
{
    const QTextBlock block = m_suggestionBlock;
    m_suggestionBlock = QTextBlock();
    if (!block.isValid() || !block.layout()) return;
    block.layout()->setPreeditArea(-1, QString());
    block.layout()->clearFormats();
    // Both calls above note a pending document change; flush it to the layout now, or the next edit
    // block (the highlighter's own) would report it as a contents change and bump the revision.
    document()->markContentsDirty(block.position(), block.length());
    if (m_highlighter) m_highlighter->rehighlightBlock(block);
    document()->markContentsDirty(block.position(), block.length());
    viewport()->update();
}

void CodeEditor::layoutSuggestion()
{
    removeSuggestionLayout();
    if (!hasVisibleSuggestion()) return;
    const int position = m_suggestion->position();
    const QTextBlock block = document()->findBlock(position);
    if (!block.isValid() || !block.layout()) return;
    const int at = position - block.position();
    QString ghost = m_suggestion->text();
    ghost.replace(u'\n', QChar::LineSeparator);  // a forced line break inside the block's layout
    const int n = int(ghost.size());

    // The highlighter's ranges are in block coordinates; the layout's text has the ghost inserted.
    QList<QTextLayout::FormatRange> formats;
    for (QTextLayout::FormatRange r : block.layout()->formats()) {
        if (r.start + r.length <= at) {
            formats.append(r);
        } else if (r.start >= at) {
            r.start += n;
            formats.append(r);
        } else {  // spans the cursor: split around the ghost
            QTextLayout::FormatRange tail = r;
            tail.start = at + n;
            tail.length = r.start + r.length - at;
            r.length = at - r.start;
            formats.append(r);
            formats.append(tail);
        }
    }
    QTextLayout::FormatRange g;
    g.start = at;
    g.length = n;
    g.format.setForeground(ghostColor());
    formats.append(g);
    block.layout()->setPreeditArea(at, ghost);
    block.layout()->setFormats(formats);
    m_suggestionBlock = block;
    document()->markContentsDirty(block.position(), block.length());
    viewport()->update();
}

void CodeEditor::scheduleSuggestionLayout()
{
    if (m_layoutQueued) return;
    m_layoutQueued = true;
    // After the edit that triggered it has finished: the layout must not change mid-edit.
    QMetaObject::invokeMethod(this, [this] {
        m_layoutQueued = false;
        layoutSuggestion();
    }, Qt::QueuedConnection);
}

bool CodeEditor::acceptSuggestion(AcceptPart part)
{
    if (!hasVisibleSuggestion()) return false;
    QTextCursor c = textCursor();
    if (c.hasSelection() || c.position() != m_suggestion->position()) {
        clearSuggestion();
        return false;
    }
    const int n = part == AcceptPart::All ? int(m_suggestion->text().size())
                  : part == AcceptPart::Word ? m_suggestion->nextWordLength()
                                             : m_suggestion->nextLineLength();
    const QString text = m_suggestion->text().left(n);
    // One edit block = one undo step, and never merged with the typing before it.
    c.beginEditBlock();
    c.insertText(text);
    c.endEditBlock();
    setTextCursor(c);
    ensureCursorVisible();
    return true;
}

void CodeEditor::onContentsChange(int from, int removed, int added)
{
    ++m_revision;
    bool kept = false;
    if (m_suggestion) {
        if (removed == 0 && added > 0 && from == m_suggestion->position()) {
            QTextCursor c(document());
            c.setPosition(from);
            c.setPosition(from + added, QTextCursor::KeepAnchor);
            kept = m_suggestion->consume(c.selectedText().replace(QChar::ParagraphSeparator, u'\n'));
        }
        if (!kept) m_suggestion.reset();
        // The ghost's old place is wrong now: drop it at once, lay it out again after the edit.
        if (m_suggestionBlock.isValid() && m_suggestionBlock.layout())
            m_suggestionBlock.layout()->setPreeditArea(-1, QString());
        scheduleSuggestionLayout();
    }
    emit bufferChanged(m_revision, kept);
}

// ---- keys, mouse, drops -----------------------------------------------------------------------

bool CodeEditor::isSuggestionKey(const QKeyEvent* e) const
{
    const auto mods = e->modifiers() & ~Qt::KeypadModifier;
    if (e->key() == Qt::Key_Space && mods == Qt::ControlModifier) return true;
    if (e->key() == Qt::Key_Escape && m_suggestion) return true;
    if (!hasVisibleSuggestion()) return false;
    return (e->key() == Qt::Key_Tab && mods == Qt::NoModifier) ||
           ((e->key() == Qt::Key_Right || e->key() == Qt::Key_Down) && mods == Qt::ControlModifier);
}

bool CodeEditor::event(QEvent* e)
{
    // Claim our keys before window shortcuts (the main window's Esc stops a chat reply).
    if (e->type() == QEvent::ShortcutOverride && isSuggestionKey(static_cast<QKeyEvent*>(e))) {
        e->accept();
        return true;
    }
    return QPlainTextEdit::event(e);
}

void CodeEditor::keyPressEvent(QKeyEvent* e)
{
    const quint64 before = m_revision;
    const auto mods = e->modifiers() & ~Qt::KeypadModifier;
    if (hasVisibleSuggestion()) {
        if (e->key() == Qt::Key_Tab && mods == Qt::NoModifier) {
            acceptSuggestion(AcceptPart::All);
            return;
        }
        if (e->key() == Qt::Key_Right && mods == Qt::ControlModifier) {
            acceptSuggestion(AcceptPart::Word);
            return;
        }
        if (e->key() == Qt::Key_Down && mods == Qt::ControlModifier) {
            acceptSuggestion(AcceptPart::Line);
            return;
        }
    }
    if (e->key() == Qt::Key_Escape && m_suggestion) {
        clearSuggestion();
        emit suggestionDismissed();
        return;
    }
    if (e->key() == Qt::Key_Space && mods == Qt::ControlModifier) {
        emit completionRequested();
        return;
    }
    if ((e->key() == Qt::Key_Return || e->key() == Qt::Key_Enter) && mods == Qt::NoModifier) {
        insertNewlineWithIndent();
    } else if (e->key() == Qt::Key_Tab && mods == Qt::NoModifier) {
        insertPlainText(QString(kIndent, u' '));
    } else {
        QPlainTextEdit::keyPressEvent(e);
    }
    if (m_revision != before) emit userEdited();
}

void CodeEditor::insertNewlineWithIndent()
{
    QTextCursor c = textCursor();
    const QString line = c.block().text();
    const QString left = line.left(c.positionInBlock());
    int ws = 0;
    while (ws < left.size() && (left.at(ws) == u' ' || left.at(ws) == u'\t')) ++ws;
    const QString base = left.left(ws);
    const QString stripped = left.trimmed();
    const QChar last = stripped.isEmpty() ? QChar() : stripped.back();
    const bool opens = last == u':' || isOpening(last);
    const QString indent = opens ? base + QString(kIndent, u' ') : base;
    const QChar next = document()->characterAt(c.position());
    c.beginEditBlock();
    c.insertText(u'\n' + indent);
    if (isOpening(last) && next == matchingBracket(last)) {  // {|} -> the closer on its own line
        const int inside = c.position();
        c.insertText(u'\n' + base);
        c.setPosition(inside);
    }
    c.endEditBlock();
    setTextCursor(c);
}

void CodeEditor::mousePressEvent(QMouseEvent* e)
{
    // A click moves the cursor away from the suggestion; drop it before Qt lays the line out again.
    if (m_suggestion) {
        clearSuggestion();
        emit suggestionDismissed();
    }
    QPlainTextEdit::mousePressEvent(e);
}

void CodeEditor::dragEnterEvent(QDragEnterEvent* e)
{
    if (e->mimeData()->hasUrls()) e->acceptProposedAction();
    else QPlainTextEdit::dragEnterEvent(e);
}

void CodeEditor::dragMoveEvent(QDragMoveEvent* e)
{
    if (e->mimeData()->hasUrls()) e->acceptProposedAction();
    else QPlainTextEdit::dragMoveEvent(e);
}

void CodeEditor::dropEvent(QDropEvent* e)
{
    if (e->mimeData()->hasUrls()) {  // files open in tabs; they are not pasted as links
        e->acceptProposedAction();
        emit filesDropped(e->mimeData()->urls());
        return;
    }
    QPlainTextEdit::dropEvent(e);
}

void CodeEditor::insertFromMimeData(const QMimeData* source)
{
    const quint64 before = m_revision;
    QPlainTextEdit::insertFromMimeData(source);
    if (m_revision != before) emit userEdited();
}

// ---- gutter and highlights --------------------------------------------------------------------

int CodeEditor::lineNumberAreaWidth() const
{
    int digits = 1;
    for (int n = qMax(1, blockCount()); n >= 10; n /= 10) ++digits;
    return 16 + fontMetrics().horizontalAdvance(u'9') * qMax(3, digits);
}

void CodeEditor::updateGutterWidth()
{
    setViewportMargins(lineNumberAreaWidth(), 0, 0, 0);
}

void CodeEditor::updateGutter(const QRect& rect, int dy)
{
    if (dy) m_gutter->scroll(0, dy);
    else m_gutter->update(0, rect.y(), m_gutter->width(), rect.height());
    if (rect.contains(viewport()->rect())) updateGutterWidth();
}

void CodeEditor::resizeEvent(QResizeEvent* e)
{
    QPlainTextEdit::resizeEvent(e);
    const QRect r = contentsRect();
    m_gutter->setGeometry(QRect(r.left(), r.top(), lineNumberAreaWidth(), r.height()));
}

void CodeEditor::paintLineNumbers(QPaintEvent* e)
{
    const bool dark = m_scheme == ColorScheme::Dark;
    QPainter p(m_gutter);
    p.fillRect(e->rect(), dark ? QColor(0x1f, 0x22, 0x27) : QColor(0xf6, 0xf7, 0xf9));
    const int current = textCursor().blockNumber();
    QTextBlock block = firstVisibleBlock();
    int top = qRound(blockBoundingGeometry(block).translated(contentOffset()).top());
    const int lineHeight = fontMetrics().height();
    while (block.isValid() && top <= e->rect().bottom()) {
        const int bottom = top + qRound(blockBoundingRect(block).height());
        if (block.isVisible() && bottom >= e->rect().top()) {
            const bool here = block.blockNumber() == current;
            p.setPen(here ? (dark ? QColor(0xd0, 0xd4, 0xda) : QColor(0x30, 0x35, 0x3d))
                          : (dark ? QColor(0x5c, 0x62, 0x6c) : QColor(0xa4, 0xaa, 0xb3)));
            p.drawText(0, top, m_gutter->width() - 8, lineHeight, Qt::AlignRight | Qt::AlignVCenter,
                       QString::number(block.blockNumber() + 1));
        }
        block = block.next();
        top = bottom;
    }
}

void CodeEditor::updateExtraSelections()
{
    const bool dark = m_scheme == ColorScheme::Dark;
    QList<QTextEdit::ExtraSelection> selections;
    QTextEdit::ExtraSelection line;
    line.format.setBackground(dark ? QColor(0x2a, 0x2e, 0x36) : QColor(0xf1, 0xf4, 0xf9));
    line.format.setProperty(QTextFormat::FullWidthSelection, true);
    line.cursor = textCursor();
    line.cursor.clearSelection();
    selections.append(line);

    const int pos = textCursor().position();
    for (const int at : {pos, pos - 1}) {  // the bracket after the cursor wins over the one before
        if (at < 0) continue;
        const int match = findMatch(document(), at);
        if (match < 0) continue;
        for (const int p : {at, match}) {
            QTextEdit::ExtraSelection s;
            s.format.setBackground(dark ? QColor(0x3b, 0x4a, 0x66) : QColor(0xd6, 0xe4, 0xff));
            s.cursor = QTextCursor(document());
            s.cursor.setPosition(p);
            s.cursor.setPosition(p + 1, QTextCursor::KeepAnchor);
            selections.append(s);
        }
        break;
    }
    setExtraSelections(selections);
    m_gutter->update();
}

}  // namespace fathom::ui
