// Each request is one job on storage's worker thread; answers hop back with a queued invoke.
#include "app/services/chat_store.h"

#include "app/services/chat_store_queries.h"
#include "storage/storage_worker.h"

#include <QDir>
#include <QStandardPaths>

namespace fathom::app {

ChatStore::ChatStore(QObject* parent) : QObject(parent)
{
    qRegisterMetaType<fathom::app::ChatMessage>();
    qRegisterMetaType<fathom::app::ConversationInfo>();
    qRegisterMetaType<QList<fathom::app::ChatMessage>>();
    qRegisterMetaType<QList<fathom::app::ConversationSummary>>();
}

ChatStore::~ChatStore()
{
    m_worker.reset();  // runs the queued jobs; their answers to this object are then dropped
}

QString ChatStore::defaultPath()
{
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    return QDir(dir).filePath(QStringLiteral("fathom.sqlite3"));
}

void ChatStore::reply(std::function<void()> answer)
{
    QMetaObject::invokeMethod(this, std::move(answer), Qt::QueuedConnection);
}

void ChatStore::post(std::function<void(storage::Database&)> job)
{
    if (!m_worker) {
        emit failed(tr("The chat database is not open."));
        return;
    }
    m_worker->post(std::move(job), [this](const Error& error) {
        const QString message = QString::fromUtf8(error.what());
        reply([this, message] { emit failed(message); });
    });
}

void ChatStore::open(const QString& path)
{
    m_worker = std::make_unique<storage::StorageWorker>(
        path.toStdString(), storage::DatabaseOptions{},
        [this](const storage::Database* db, const Error* error) {
            if (error) {
                const QString message = QString::fromUtf8(error->what());
                reply([this, message] { emit failed(message); });
            } else {
                const int interrupted = db->interruptedOnOpen();
                reply([this, interrupted] { emit opened(interrupted); });
            }
        });
}

void ChatStore::listConversations(const QString& query)
{
    post([this, query](storage::Database& db) {
        const QList<ConversationSummary> list = ChatStoreQueries::listConversations(db, query);
        reply([this, query, list] { emit conversationsListed(query, list); });
    });
}

void ChatStore::openConversation(qint64 id)
{
    post([this, id](storage::Database& db) {
        const ConversationInfo info = ChatStoreQueries::info(db, id);
        const QList<ChatMessage> path = ChatStoreQueries::path(db, id);
        reply([this, info, path] { emit conversationOpened(info, path); });
    });
}

void ChatStore::answerTurn(storage::Database& db, qint64 tag, qint64 conversationId)
{
    const ConversationInfo info = ChatStoreQueries::info(db, conversationId);
    const QList<ChatMessage> path = ChatStoreQueries::path(db, conversationId);
    reply([this, tag, info, path] {
        emit turnStarted(tag, info, path);
        emit conversationsChanged();
    });
}

void ChatStore::startTurn(qint64 tag, qint64 conversationId, qint64 parentId, const QString& text, const QString& model,
                          const QString& settingsJson)
{
    post([=, this](storage::Database& db) {
        answerTurn(db, tag, ChatStoreQueries::startTurn(db, conversationId, parentId, text, model, settingsJson));
    });
}

void ChatStore::startEdit(qint64 tag, qint64 messageId, const QString& text, const QString& model,
                          const QString& settingsJson)
{
    post([=, this](storage::Database& db) {
        answerTurn(db, tag, ChatStoreQueries::startEdit(db, messageId, text, model, settingsJson));
    });
}

void ChatStore::startRegenerate(qint64 tag, qint64 replyId, const QString& model, const QString& settingsJson)
{
    post([=, this](storage::Database& db) {
        answerTurn(db, tag, ChatStoreQueries::startRegenerate(db, replyId, model, settingsJson));
    });
}

void ChatStore::updateReply(qint64 messageId, const QString& content, const QString& reasoning, qint64 tokens)
{
    post([=](storage::Database& db) { ChatStoreQueries::updateReply(db, messageId, content, reasoning, tokens); });
}

void ChatStore::finishReply(const ChatMessage& message)
{
    post([message](storage::Database& db) { ChatStoreQueries::finishReply(db, message); });
}

void ChatStore::switchBranch(qint64 messageId)
{
    post([this, messageId](storage::Database& db) {
        const qint64 conversation = ChatStoreQueries::switchBranch(db, messageId);
        const ConversationInfo info = ChatStoreQueries::info(db, conversation);
        const QList<ChatMessage> path = ChatStoreQueries::path(db, conversation);
        reply([this, info, path] { emit conversationOpened(info, path); });
    });
}

void ChatStore::saveConversation(const ConversationInfo& info)
{
    post([this, info](storage::Database& db) {
        ChatStoreQueries::saveConversation(db, info);
        reply([this] { emit conversationsChanged(); });
    });
}

void ChatStore::deleteConversation(qint64 id)
{
    post([this, id](storage::Database& db) {
        ChatStoreQueries::deleteConversation(db, id);
        reply([this] { emit conversationsChanged(); });
    });
}

void ChatStore::loadSettings()
{
    post([this](storage::Database& db) {
        const QVariantMap settings = ChatStoreQueries::settings(db);
        reply([this, settings] { emit settingsLoaded(settings); });
    });
}

void ChatStore::setSetting(const QString& key, const QVariant& value)
{
    post([key, value](storage::Database& db) { ChatStoreQueries::setSetting(db, key, value); });
}

}  // namespace fathom::app
