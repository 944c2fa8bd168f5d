// Search runs in storage's thread; typing only restarts a 150 ms debounce, so keystrokes never wait.
#include "ui/main/conversation_sidebar.h"

#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QPushButton>
#include <QVBoxLayout>

namespace fathom::ui {

namespace {
constexpr int kIdRole = Qt::UserRole + 1;
}

ConversationSidebar::ConversationSidebar(QWidget* parent)
    : QWidget(parent), m_search(new QLineEdit(this)), m_list(new QListWidget(this)),
      m_newChat(new QPushButton(tr("New chat"), this))
{
    setObjectName(QStringLiteral("sidebar"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(10, 10, 10, 10);
    layout->setSpacing(8);

    auto* brand = new QLabel(QStringLiteral("Fathom"), this);
    brand->setObjectName(QStringLiteral("brand"));
    layout->addWidget(brand);

    m_newChat->setObjectName(QStringLiteral("newChat"));
    m_newChat->setToolTip(tr("Start a new conversation (Ctrl+N)"));
    layout->addWidget(m_newChat);

    m_search->setObjectName(QStringLiteral("search"));
    m_search->setPlaceholderText(tr("Search chats (Ctrl+K)"));
    m_search->setClearButtonEnabled(true);
    layout->addWidget(m_search);

    m_list->setObjectName(QStringLiteral("conversationList"));
    m_list->setFrameShape(QFrame::NoFrame);
    m_list->setWordWrap(true);
    m_list->setTextElideMode(Qt::ElideRight);
    m_list->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    layout->addWidget(m_list, 1);

    auto* models = new QPushButton(tr("Models"), this);
    models->setObjectName(QStringLiteral("modelsButton"));
    auto* settings = new QPushButton(tr("Settings"), this);
    settings->setObjectName(QStringLiteral("settingsButton"));
    auto* row = new QHBoxLayout;
    row->addWidget(models);
    row->addWidget(settings);
    layout->addLayout(row);

    m_debounce.setSingleShot(true);
    m_debounce.setInterval(150);
    connect(m_search, &QLineEdit::textChanged, this, [this] { m_debounce.start(); });
    connect(&m_debounce, &QTimer::timeout, this, [this] { emit searchRequested(query()); });
    connect(m_list, &QListWidget::itemClicked, this, [this](QListWidgetItem* item) {
        emit conversationActivated(item->data(kIdRole).toLongLong());
    });
    connect(m_list, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
        emit conversationActivated(item->data(kIdRole).toLongLong());
    });
    m_list->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_list, &QListWidget::customContextMenuRequested, this, [this](const QPoint& at) {
        QListWidgetItem* item = m_list->itemAt(at);
        if (!item || !(item->flags() & Qt::ItemIsEnabled)) return;
        const qint64 id = item->data(kIdRole).toLongLong();
        QMenu menu(this);
        menu.addAction(tr("Delete chat…"), this, [this, id] { emit deleteRequested(id); });
        menu.exec(m_list->viewport()->mapToGlobal(at));
    });
    connect(m_newChat, &QPushButton::clicked, this, &ConversationSidebar::newChatRequested);
    connect(models, &QPushButton::clicked, this, &ConversationSidebar::modelsRequested);
    connect(settings, &QPushButton::clicked, this, &ConversationSidebar::settingsRequested);
}

QString ConversationSidebar::query() const { return m_search->text().trimmed(); }

void ConversationSidebar::focusSearch()
{
    m_search->setFocus(Qt::ShortcutFocusReason);
    m_search->selectAll();
}

void ConversationSidebar::setConversations(const QString& query, const QList<app::ConversationSummary>& list)
{
    if (query != this->query()) return;  // an answer to an older query
    m_list->clear();
    for (const app::ConversationSummary& c : list) {
        QString text = c.title.isEmpty() ? tr("Untitled") : c.title;
        if (!c.snippet.isEmpty()) {
            QString snippet = c.snippet;
            snippet.replace(QChar(1), QStringLiteral("«")).replace(QChar(2), QStringLiteral("»"));
            text += QStringLiteral("\n") + snippet;
        }
        auto* item = new QListWidgetItem(text, m_list);
        item->setData(kIdRole, c.id);
        item->setToolTip(c.updated.toLocalTime().toString(QStringLiteral("yyyy-MM-dd hh:mm")));
        if (c.id == m_current) item->setSelected(true);
    }
    if (list.isEmpty() && !query.isEmpty()) {
        auto* item = new QListWidgetItem(tr("No chat mentions “%1”").arg(query), m_list);
        item->setFlags(Qt::NoItemFlags);
    }
}

void ConversationSidebar::setCurrent(qint64 conversationId)
{
    m_current = conversationId;
    for (int i = 0; i < m_list->count(); ++i) {
        QListWidgetItem* item = m_list->item(i);
        item->setSelected(item->data(kIdRole).toLongLong() == conversationId && conversationId != 0);
    }
}

}  // namespace fathom::ui
