// FindBar: QTextDocument::find does the searching; a miss wraps around once.
#include "ui/editor/find_bar.h"

#include "ui/editor/code_editor.h"

#include <QCheckBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTextDocument>
#include <QToolButton>

namespace fathom::ui {

FindBar::FindBar(QWidget* parent)
    : QWidget(parent), m_find(new QLineEdit(this)), m_replace(new QLineEdit(this)),
      m_case(new QCheckBox(tr("Match case"), this)), m_result(new QLabel(this)), m_replaceRow(new QWidget(this))
{
    setObjectName(QStringLiteral("findBar"));
    m_find->setPlaceholderText(tr("Find"));
    m_replace->setPlaceholderText(tr("Replace with"));
    auto* previous = new QPushButton(tr("Previous"), this);
    auto* next = new QPushButton(tr("Next"), this);
    auto* close = new QToolButton(this);
    close->setText(QStringLiteral("✕"));
    close->setAutoRaise(true);
    close->setToolTip(tr("Close (Esc)"));
    auto* replaceOne = new QPushButton(tr("Replace"), m_replaceRow);
    auto* replaceEvery = new QPushButton(tr("Replace all"), m_replaceRow);

    auto* findRow = new QHBoxLayout;
    findRow->addWidget(m_find, 1);
    findRow->addWidget(previous);
    findRow->addWidget(next);
    findRow->addWidget(m_case);
    findRow->addWidget(m_result);
    findRow->addWidget(close);
    auto* r = new QHBoxLayout(m_replaceRow);
    r->setContentsMargins(0, 0, 0, 0);
    r->addWidget(m_replace, 1);
    r->addWidget(replaceOne);
    r->addWidget(replaceEvery);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 4, 8, 4);
    layout->setSpacing(4);
    layout->addLayout(findRow);
    layout->addWidget(m_replaceRow);

    connect(m_find, &QLineEdit::returnPressed, this, [this] { findNext(); });
    connect(m_find, &QLineEdit::textChanged, this, [this] { m_result->clear(); });
    connect(next, &QPushButton::clicked, this, [this] { findNext(); });
    connect(previous, &QPushButton::clicked, this, [this] { findNext(true); });
    connect(replaceOne, &QPushButton::clicked, this, &FindBar::replaceCurrent);
    connect(replaceEvery, &QPushButton::clicked, this, &FindBar::replaceAll);
    connect(m_replace, &QLineEdit::returnPressed, this, &FindBar::replaceCurrent);
    connect(close, &QToolButton::clicked, this, [this] {
        hide();
        emit closed();
    });
}

void FindBar::setEditor(CodeEditor* editor)
{
    m_editor = editor;
    m_result->clear();
}

void FindBar::open(bool replace)
{
    if (m_editor && m_editor->textCursor().hasSelection() && !m_editor->textCursor().selectedText().contains(QChar::ParagraphSeparator))
        m_find->setText(m_editor->textCursor().selectedText());
    m_replaceRow->setVisible(replace);
    show();
    m_find->setFocus();
    m_find->selectAll();
}

bool FindBar::findNext(bool backwards)
{
    if (!m_editor || m_find->text().isEmpty()) return false;
    QTextDocument::FindFlags flags;
    if (backwards) flags |= QTextDocument::FindBackward;
    if (m_case->isChecked()) flags |= QTextDocument::FindCaseSensitively;
    QTextDocument* doc = m_editor->document();
    QTextCursor hit = doc->find(m_find->text(), m_editor->textCursor(), flags);
    if (hit.isNull()) {  // wrap around once
        QTextCursor from(doc);
        if (backwards) from.movePosition(QTextCursor::End);
        hit = doc->find(m_find->text(), from, flags);
    }
    if (hit.isNull()) {
        m_result->setText(tr("Not found"));
        return false;
    }
    m_result->clear();
    m_editor->setTextCursor(hit);
    return true;
}

bool FindBar::replaceCurrent()
{
    if (!m_editor || m_find->text().isEmpty()) return false;
    QTextCursor c = m_editor->textCursor();
    const Qt::CaseSensitivity cs = m_case->isChecked() ? Qt::CaseSensitive : Qt::CaseInsensitive;
    if (c.hasSelection() && c.selectedText().compare(m_find->text(), cs) == 0) {
        c.insertText(m_replace->text());
        m_editor->setTextCursor(c);
    }
    return findNext();
}

int FindBar::replaceAll()
{
    if (!m_editor || m_find->text().isEmpty()) return 0;
    QTextDocument::FindFlags flags;
    if (m_case->isChecked()) flags |= QTextDocument::FindCaseSensitively;
    QTextDocument* doc = m_editor->document();
    QTextCursor edit(doc);
    edit.beginEditBlock();  // one undo step for all of them
    int count = 0;
    QTextCursor hit = doc->find(m_find->text(), 0, flags);
    while (!hit.isNull()) {
        hit.insertText(m_replace->text());
        ++count;
        hit = doc->find(m_find->text(), hit, flags);
    }
    edit.endEditBlock();
    m_result->setText(tr("%n replaced", nullptr, count));
    return count;
}

void FindBar::keyPressEvent(QKeyEvent* event)
{
    if (event->key() == Qt::Key_Escape) {
        hide();
        if (m_editor) m_editor->setFocus();
        emit closed();
        return;
    }
    QWidget::keyPressEvent(event);
}

}  // namespace fathom::ui
