// Chrome (role, branch arrows, actions, stats) is cheap and rebuilt on every change; the text goes
// through MessageTextView, which re-renders incrementally while the reply streams.
#include "ui/chat/message_widget.h"

#include "app/services/thinking_split.h"
#include "ui/chat/message_text_view.h"

#include <QClipboard>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

namespace fathom::ui {

namespace {

QToolButton* toolButton(const QString& text, const QString& tip, QWidget* parent)
{
    auto* b = new QToolButton(parent);
    b->setText(text);
    b->setToolTip(tip);
    b->setAutoRaise(true);
    b->setFocusPolicy(Qt::TabFocus);
    return b;
}

}  // namespace

MessageWidget::MessageWidget(const app::ChatMessage& message, ColorScheme scheme, QWidget* parent)
    : QFrame(parent), m_message(message), m_raw(app::ThinkingSplit::join(message.reasoning, message.content)),
      m_scheme(scheme)
{
    const bool user = message.role == app::Role::User;
    setProperty("role", user ? QStringLiteral("user") : QStringLiteral("assistant"));
    setObjectName(user ? QStringLiteral("userMessage") : QStringLiteral("assistantMessage"));
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(14, 8, 14, 8);
    layout->setSpacing(2);

    auto* header = new QHBoxLayout;
    header->setSpacing(2);
    m_role = new QLabel(this);
    m_role->setObjectName(QStringLiteral("messageRole"));
    QFont bold = m_role->font();
    bold.setBold(true);
    m_role->setFont(bold);
    header->addWidget(m_role);
    header->addStretch(1);
    m_previous = toolButton(QStringLiteral("‹"), tr("Previous version"), this);
    m_siblings = new QLabel(this);
    m_siblings->setObjectName(QStringLiteral("siblingLabel"));
    m_next = toolButton(QStringLiteral("›"), tr("Next version"), this);
    m_copy = toolButton(tr("Copy"), tr("Copy the message"), this);
    header->addWidget(m_previous);
    header->addWidget(m_siblings);
    header->addWidget(m_next);
    header->addSpacing(8);
    header->addWidget(m_copy);
    if (user) {
        m_edit = toolButton(tr("Edit"), tr("Edit and resend (keeps the old version as a branch)"), this);
        header->addWidget(m_edit);
        connect(m_edit, &QToolButton::clicked, this, &MessageWidget::startEditing);
    } else {
        m_regenerate = toolButton(tr("Regenerate"), tr("Write another reply (keeps this one as a branch)"), this);
        header->addWidget(m_regenerate);
        connect(m_regenerate, &QToolButton::clicked, this, [this] { emit regenerateRequested(m_message.id); });
    }
    layout->addLayout(header);

    if (!user) {
        m_thinkingToggle = toolButton(QString(), tr("Show or hide the model's reasoning"), this);
        m_thinkingToggle->setCheckable(true);
        m_thinkingToggle->setObjectName(QStringLiteral("thinkingToggle"));
        m_thinkingToggle->setToolButtonStyle(Qt::ToolButtonTextOnly);
        m_thinking = new MessageTextView(scheme, this);
        m_thinking->setObjectName(QStringLiteral("thinkingText"));
        m_thinking->setVisible(false);
        layout->addWidget(m_thinkingToggle, 0, Qt::AlignLeft);
        layout->addWidget(m_thinking);
        connect(m_thinkingToggle, &QToolButton::toggled, this, [this](bool on) {
            m_thinking->setVisible(on);
            updateThinkingToggle();
        });
        connect(m_thinking, &MessageTextView::linkClicked, this, &MessageWidget::onLink);
    }

    m_text = new MessageTextView(scheme, this);
    layout->addWidget(m_text);
    connect(m_text, &MessageTextView::linkClicked, this, &MessageWidget::onLink);

    m_stats = new QLabel(this);
    m_stats->setObjectName(QStringLiteral("messageStats"));
    layout->addWidget(m_stats);

    connect(m_previous, &QToolButton::clicked, this, [this] { emit siblingRequested(m_message.id, -1); });
    connect(m_next, &QToolButton::clicked, this, [this] { emit siblingRequested(m_message.id, +1); });
    connect(m_copy, &QToolButton::clicked, this, [this] {
        QGuiApplication::clipboard()->setText(app::ThinkingSplit::split(m_raw).answer.trimmed());
    });

    updateChrome();
    render();
}

QWidget* MessageWidget::thinkingView() const { return m_thinking; }

void MessageWidget::setShowReasoning(bool show)
{
    if (show == m_showReasoning) return;
    m_showReasoning = show;
    m_dirty = true;
    render();
}

void MessageWidget::setMessage(const app::ChatMessage& message)
{
    const QString raw = app::ThinkingSplit::join(message.reasoning, message.content);
    m_message = message;
    if (raw != m_raw) {
        m_raw = raw;
        m_dirty = true;
    }
    updateChrome();
    if (m_dirty && message.status != app::MessageStatus::Streaming) render();
}

void MessageWidget::appendText(const QString& text)
{
    m_raw += text;
    m_dirty = true;
}

void MessageWidget::render()
{
    if (!m_dirty) return;
    m_dirty = false;
    if (m_message.role == app::Role::User) {
        m_text->setPlainTextContent(m_raw);
        return;
    }
    const app::ThinkingSplit split = app::ThinkingSplit::split(m_raw);
    const QString& thinking = split.reasoning;
    const bool open = split.open;
    m_thinkingToggle->setVisible(m_showReasoning && (!thinking.isEmpty() || open));
    if (!m_showReasoning) m_thinking->setVisible(false);
    if (!thinking.isEmpty() || open) {
        m_thinking->setMarkdownText(thinking);
        const qsizetype words = thinking.split(QRegularExpression(QStringLiteral("\\s+")), Qt::SkipEmptyParts).size();
        m_thinkingSummary = open ? tr("Thinking… (%n words)", nullptr, int(words))
                                 : tr("Thought for %n words", nullptr, int(words));
        updateThinkingToggle();
    }
    m_text->setMarkdownText(split.answer);
}

void MessageWidget::updateChrome()
{
    const bool user = m_message.role == app::Role::User;
    m_role->setText(user ? tr("You") : (m_message.model.isEmpty() ? tr("Assistant") : m_message.model));
    const bool branches = m_message.siblingCount > 1;
    m_previous->setVisible(branches);
    m_next->setVisible(branches);
    m_siblings->setVisible(branches);
    m_previous->setEnabled(m_message.siblingIndex > 0);
    m_next->setEnabled(m_message.siblingIndex + 1 < m_message.siblingCount);
    m_siblings->setText(QStringLiteral("%1/%2").arg(m_message.siblingIndex + 1).arg(m_message.siblingCount));
    const bool streaming = m_message.status == app::MessageStatus::Streaming;
    if (m_regenerate) m_regenerate->setEnabled(!streaming && m_message.id != 0);
    if (m_edit) m_edit->setEnabled(m_message.id != 0);
    const QString stats = statsText();
    m_stats->setText(stats);
    m_stats->setVisible(!stats.isEmpty());
}

void MessageWidget::updateThinkingToggle()
{
    const QString arrow = m_thinkingToggle->isChecked() ? QStringLiteral("▾ ") : QStringLiteral("▸ ");
    m_thinkingToggle->setText(arrow + m_thinkingSummary);
}

QString MessageWidget::statsText() const
{
    if (m_message.role == app::Role::User) return {};
    QStringList parts;
    switch (m_message.status) {
    case app::MessageStatus::Streaming: parts << tr("writing…"); break;
    case app::MessageStatus::Stopped: parts << tr("stopped"); break;
    case app::MessageStatus::Interrupted:
        // A remote stream that broke says why; a reply without a reason was cut by Fathom closing.
        parts << (m_message.error.isEmpty() ? tr("interrupted: Fathom closed while this reply was written")
                                            : tr("interrupted: %1").arg(m_message.error));
        break;
    case app::MessageStatus::Error: parts << tr("error: %1").arg(m_message.error); break;
    case app::MessageStatus::Complete: break;
    }
    const app::MessageStats& s = m_message.stats;
    if (s.generatedTokens > 0) parts << tr("%n tokens", nullptr, int(s.generatedTokens));
    if (s.tokensPerSecond > 0) parts << tr("%1 tok/s").arg(s.tokensPerSecond, 0, 'f', 1);
    if (s.timeToFirstTokenMs > 0) parts << tr("first token %1 ms").arg(s.timeToFirstTokenMs, 0, 'f', 0);
    return parts.join(QStringLiteral(" · "));
}

void MessageWidget::onLink(const QUrl& url)
{
    if (url.scheme() == QLatin1String("fathom-copy")) {
        bool ok = false;
        const int index = url.path().toInt(&ok);
        if (!ok || index < 0 || index >= m_text->codeBlockCount()) return;
        QGuiApplication::clipboard()->setText(m_text->codeBlock(index));
        emit codeCopied(index);
        return;
    }
    emit linkClicked(url);
}

void MessageWidget::startEditing()
{
    if (!m_editor) {
        m_editor = new QPlainTextEdit(this);
        m_editor->setObjectName(QStringLiteral("messageEditor"));
        m_editBar = new QWidget(this);
        auto* bar = new QHBoxLayout(m_editBar);
        bar->setContentsMargins(0, 0, 0, 0);
        bar->addStretch(1);
        auto* cancel = new QPushButton(tr("Cancel"), m_editBar);
        auto* send = new QPushButton(tr("Save && send"), m_editBar);
        send->setObjectName(QStringLiteral("editSend"));
        bar->addWidget(cancel);
        bar->addWidget(send);
        auto* box = static_cast<QVBoxLayout*>(layout());
        box->insertWidget(box->indexOf(m_text) + 1, m_editor);
        box->insertWidget(box->indexOf(m_editor) + 1, m_editBar);
        connect(send, &QPushButton::clicked, this, &MessageWidget::submitEdit);
        connect(cancel, &QPushButton::clicked, this, [this] {
            m_editor->hide();
            m_editBar->hide();
            m_text->show();
        });
    }
    m_editor->setPlainText(m_raw);
    m_editor->setMinimumHeight(80);
    m_text->hide();
    m_editor->show();
    m_editBar->show();
    m_editor->setFocus();
}

void MessageWidget::submitEdit()
{
    if (!m_editor) return;
    const QString text = m_editor->toPlainText().trimmed();
    m_editor->hide();
    m_editBar->hide();
    m_text->show();
    if (!text.isEmpty() && text != m_raw) emit editSubmitted(m_message.id, text);
}

}  // namespace fathom::ui
