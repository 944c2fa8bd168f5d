// ChatStore's half on the storage thread: owns the SQLite connection (storage::Database is used by
// one thread at a time) and runs each request as a few storage calls, answering with signals that
// ChatStore receives through queued connections.
#pragma once

#include "app/services/chat_types.h"

#include <QObject>
#include <QVariantMap>

#include <memory>

namespace fathom::storage {
class ConversationStore;
class Database;
class MessageSearch;
class Settings;
}  // namespace fathom::storage

namespace fathom::app {

class ChatStoreWorker final : public QObject {
    Q_OBJECT
public:
    ChatStoreWorker();
    ~ChatStoreWorker() override;

    void open(const QString& path);
    void listConversations(const QString& query);
    void openConversation(qint64 conversationId);
    void startTurn(qint64 tag, qint64 conversationId, qint64 parentId, const QString& text, const QString& model,
                   const QString& settingsJson);
    void startEdit(qint64 tag, qint64 messageId, const QString& text, const QString& model, const QString& settingsJson);
    void startRegenerate(qint64 tag, qint64 replyId, const QString& model, const QString& settingsJson);
    void updateReply(qint64 messageId, const QString& content, const QString& reasoning, qint64 tokens);
    void finishReply(const ChatMessage& reply);
    void switchBranch(qint64 messageId);
    void saveConversation(const ConversationInfo& info);
    void deleteConversation(qint64 conversationId);
    void loadSettings();
    void setSetting(const QString& key, const QVariant& value);

signals:
    void opened(int interruptedReplies);
    void failed(const QString& message);
    void conversationsListed(const QString& query, const QList<fathom::app::ConversationSummary>& list);
    void conversationOpened(const fathom::app::ConversationInfo& info, const QList<fathom::app::ChatMessage>& path);
    void turnStarted(qint64 tag, const fathom::app::ConversationInfo& info, const QList<fathom::app::ChatMessage>& path);
    void conversationsChanged();
    void settingsLoaded(const QVariantMap& settings);

private:
    // Runs `body`, turning any exception into failed(): storage errors never cross threads as throws.
    template <typename F> void guarded(F&& body);
    ConversationInfo info(qint64 conversationId) const;
    QList<ChatMessage> path(qint64 conversationId) const;
    void answerTurn(qint64 tag, qint64 conversationId);

    std::unique_ptr<storage::Database> m_db;
    std::unique_ptr<storage::ConversationStore> m_conversations;
    std::unique_ptr<storage::MessageSearch> m_search;
    std::unique_ptr<storage::Settings> m_settings;
};

}  // namespace fathom::app
