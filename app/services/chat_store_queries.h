// The storage calls behind each ChatStore request, turned into the app's Qt values. Runs on
// storage's StorageWorker thread (which owns the Database); never on the GUI thread.
#pragma once

#include "app/services/chat_types.h"

#include <QVariantMap>

namespace fathom::storage {
class Database;
}

namespace fathom::app {

class ChatStoreQueries final {
public:
    static QList<ConversationSummary> listConversations(storage::Database& db, const QString& query);
    static ConversationInfo info(storage::Database& db, qint64 conversationId);
    // The shown branch with each message's place among its siblings.
    static QList<ChatMessage> path(storage::Database& db, qint64 conversationId);

    // Each returns the conversation id the new turn belongs to; the reply row exists as `streaming`.
    static qint64 startTurn(storage::Database& db, qint64 conversationId, qint64 parentId, const QString& text,
                            const QString& model, const QString& settingsJson);
    static qint64 startEdit(storage::Database& db, qint64 messageId, const QString& text, const QString& model,
                            const QString& settingsJson);
    static qint64 startRegenerate(storage::Database& db, qint64 replyId, const QString& model, const QString& settingsJson);

    static void updateReply(storage::Database& db, qint64 messageId, const QString& content, const QString& reasoning,
                            qint64 tokens);
    static void finishReply(storage::Database& db, const ChatMessage& reply);
    static qint64 switchBranch(storage::Database& db, qint64 messageId);  // returns the conversation id
    static void saveConversation(storage::Database& db, const ConversationInfo& info);
    static void deleteConversation(storage::Database& db, qint64 conversationId);
    static QVariantMap settings(storage::Database& db);
    static void setSetting(storage::Database& db, const QString& key, const QVariant& value);
};

}  // namespace fathom::app
