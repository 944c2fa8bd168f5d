// Forwarding only; the worker does the storage calls on its thread.
#include "app/services/chat_store.h"

#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

namespace fathom::app {

ChatStore::ChatStore(QObject* parent) : QObject(parent), m_worker(new ChatStoreWorker)
{
    qRegisterMetaType<fathom::app::ChatMessage>();
    qRegisterMetaType<fathom::app::ConversationInfo>();
    qRegisterMetaType<QList<fathom::app::ChatMessage>>();
    qRegisterMetaType<QList<fathom::app::ConversationSummary>>();
    m_thread.setObjectName(QStringLiteral("fathom-storage"));
    m_worker->moveToThread(&m_thread);
    const auto q = Qt::QueuedConnection;
    connect(m_worker, &ChatStoreWorker::opened, this, &ChatStore::opened, q);
    connect(m_worker, &ChatStoreWorker::failed, this, &ChatStore::failed, q);
    connect(m_worker, &ChatStoreWorker::conversationsListed, this, &ChatStore::conversationsListed, q);
    connect(m_worker, &ChatStoreWorker::conversationOpened, this, &ChatStore::conversationOpened, q);
    connect(m_worker, &ChatStoreWorker::turnStarted, this, &ChatStore::turnStarted, q);
    connect(m_worker, &ChatStoreWorker::conversationsChanged, this, &ChatStore::conversationsChanged, q);
    connect(m_worker, &ChatStoreWorker::settingsLoaded, this, &ChatStore::settingsLoaded, q);
    m_thread.start();
}

ChatStore::~ChatStore()
{
    // Requests already queued (a reply's last words) are written before the thread ends.
    m_thread.quit();
    m_thread.wait();
    delete m_worker;
}

QString ChatStore::defaultPath()
{
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    return QDir(dir).filePath(QStringLiteral("fathom.sqlite3"));
}

template <typename F> void ChatStore::post(F&& call)
{
    QMetaObject::invokeMethod(m_worker, [w = m_worker, call = std::forward<F>(call)] { call(w); }, Qt::QueuedConnection);
}

void ChatStore::open(const QString& path)
{
    post([path](ChatStoreWorker* w) {
        QDir().mkpath(QFileInfo(path).absolutePath());
        w->open(path);
    });
}

void ChatStore::listConversations(const QString& query)
{
    post([query](ChatStoreWorker* w) { w->listConversations(query); });
}

void ChatStore::openConversation(qint64 id)
{
    post([id](ChatStoreWorker* w) { w->openConversation(id); });
}

void ChatStore::startTurn(qint64 tag, qint64 conversationId, qint64 parentId, const QString& text, const QString& model,
                          const QString& settingsJson)
{
    post([=](ChatStoreWorker* w) { w->startTurn(tag, conversationId, parentId, text, model, settingsJson); });
}

void ChatStore::startEdit(qint64 tag, qint64 messageId, const QString& text, const QString& model,
                          const QString& settingsJson)
{
    post([=](ChatStoreWorker* w) { w->startEdit(tag, messageId, text, model, settingsJson); });
}

void ChatStore::startRegenerate(qint64 tag, qint64 replyId, const QString& model, const QString& settingsJson)
{
    post([=](ChatStoreWorker* w) { w->startRegenerate(tag, replyId, model, settingsJson); });
}

void ChatStore::updateReply(qint64 messageId, const QString& content, const QString& reasoning, qint64 tokens)
{
    post([=](ChatStoreWorker* w) { w->updateReply(messageId, content, reasoning, tokens); });
}

void ChatStore::finishReply(const ChatMessage& reply)
{
    post([reply](ChatStoreWorker* w) { w->finishReply(reply); });
}

void ChatStore::switchBranch(qint64 messageId)
{
    post([messageId](ChatStoreWorker* w) { w->switchBranch(messageId); });
}

void ChatStore::saveConversation(const ConversationInfo& info)
{
    post([info](ChatStoreWorker* w) { w->saveConversation(info); });
}

void ChatStore::deleteConversation(qint64 id)
{
    post([id](ChatStoreWorker* w) { w->deleteConversation(id); });
}

void ChatStore::loadSettings()
{
    post([](ChatStoreWorker* w) { w->loadSettings(); });
}

void ChatStore::setSetting(const QString& key, const QVariant& value)
{
    post([key, value](ChatStoreWorker* w) { w->setSetting(key, value); });
}

}  // namespace fathom::app
