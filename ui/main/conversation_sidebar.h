// The left pane: search box on top (Ctrl+K; full-text search through storage), New chat, the
// conversation list (or search hits with their snippets), and the Models / Settings buttons.
#pragma once

#include "app/services/chat_types.h"

#include <QTimer>
#include <QWidget>

class QLineEdit;
class QListWidget;
class QPushButton;

namespace fathom::ui {

class ConversationSidebar final : public QWidget {
    Q_OBJECT
public:
    explicit ConversationSidebar(QWidget* parent = nullptr);

    void setConversations(const QString& query, const QList<app::ConversationSummary>& list);
    void setCurrent(qint64 conversationId);
    void focusSearch();
    QString query() const;

    QLineEdit* searchBox() const { return m_search; }
    QListWidget* list() const { return m_list; }

signals:
    void searchRequested(const QString& query);   // debounced; empty = list all
    void conversationActivated(qint64 conversationId);
    void newChatRequested();
    void modelsRequested();
    void settingsRequested();
    void deleteRequested(qint64 conversationId);  // from the list's context menu

private:
    QLineEdit* m_search;
    QListWidget* m_list;
    QPushButton* m_newChat;
    QTimer m_debounce;
    qint64 m_current = 0;
};

}  // namespace fathom::ui
