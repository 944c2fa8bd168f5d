// The app's chats and settings on disk (storage/: SQLite) behind an asynchronous Qt API. storage's
// StorageWorker thread owns the database and runs each request there; every call here queues a job
// and returns, and every answer comes back as a queued signal. The GUI thread never waits on disk.
#pragma once

#include "app/services/chat_types.h"

#include <QObject>
#include <QVariantMap>

#include <functional>
#include <memory>

namespace fathom::storage {
class Database;
class StorageWorker;
}  // namespace fathom::storage

namespace fathom::app {

class ChatStore final : public QObject {
    Q_OBJECT
public:
    explicit ChatStore(QObject* parent = nullptr);
    ~ChatStore() override;  // writes what is queued (a reply's last words), then closes

    // Fathom's database under the XDG data folder QStandardPaths gives for "fathom".
    static QString defaultPath();

    void open(const QString& path);                    // -> opened / failed (the folder must exist)
    void listConversations(const QString& query = {}); // -> conversationsListed (search when query set)
    void openConversation(qint64 conversationId);      // -> conversationOpened
    // The user's message is committed and an empty `streaming` reply created before this answers
    // (turnStarted with the new path); conversationId 0 starts a new conversation.
    void startTurn(qint64 tag, qint64 conversationId, qint64 parentId, const QString& text, const QString& model,
                   const QString& settingsJson);
    void startEdit(qint64 tag, qint64 messageId, const QString& text, const QString& model, const QString& settingsJson);
    void startRegenerate(qint64 tag, qint64 replyId, const QString& model, const QString& settingsJson);
    void updateReply(qint64 messageId, const QString& content, const QString& reasoning, qint64 tokens);
    void finishReply(const ChatMessage& reply);
    void switchBranch(qint64 messageId);               // -> conversationOpened
    void saveConversation(const ConversationInfo& info);
    void deleteConversation(qint64 conversationId);
    void loadSettings();                               // -> settingsLoaded
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
    // Runs `job` on the storage thread; its errors come back as failed().
    void post(std::function<void(storage::Database&)> job);
    // Runs `answer` on this object's (GUI) thread.
    void reply(std::function<void()> answer);
    void answerTurn(storage::Database& db, qint64 tag, qint64 conversationId);

    std::unique_ptr<storage::StorageWorker> m_worker;
};

}  // namespace fathom::app
