// Converts between storage's std::string records and the app's Qt values; every public call is one
// request from the GUI and ends in exactly one answer signal (or failed()).
#include "app/services/chat_store_worker.h"

#include "storage/conversation_store.h"
#include "storage/database.h"
#include "storage/message_search.h"
#include "storage/settings.h"

#include <nlohmann/json.hpp>

#include <exception>

namespace fathom::app {

namespace {

QString qs(const std::string& s) { return QString::fromUtf8(s.data(), qsizetype(s.size())); }
std::string ss(const QString& s) { return s.toStdString(); }

MessageStatus fromStorage(storage::MessageStatus s)
{
    switch (s) {
    case storage::MessageStatus::Streaming: return MessageStatus::Streaming;
    case storage::MessageStatus::Complete: return MessageStatus::Complete;
    case storage::MessageStatus::Stopped: return MessageStatus::Stopped;
    case storage::MessageStatus::Error: return MessageStatus::Error;
    case storage::MessageStatus::Interrupted: return MessageStatus::Interrupted;
    }
    return MessageStatus::Error;
}

storage::MessageStatus toStorage(MessageStatus s)
{
    switch (s) {
    case MessageStatus::Streaming: return storage::MessageStatus::Streaming;
    case MessageStatus::Complete: return storage::MessageStatus::Complete;
    case MessageStatus::Stopped: return storage::MessageStatus::Stopped;
    case MessageStatus::Error: return storage::MessageStatus::Error;
    case MessageStatus::Interrupted: return storage::MessageStatus::Interrupted;
    }
    return storage::MessageStatus::Error;
}

ChatMessage fromStorage(const storage::Message& m)
{
    ChatMessage out;
    out.id = m.id;
    out.parentId = m.parentId;
    out.role = m.role == storage::MessageRole::User ? Role::User
               : m.role == storage::MessageRole::System ? Role::System : Role::Assistant;
    out.content = qs(m.content);
    out.reasoning = qs(m.reasoning);
    out.status = fromStorage(m.status);
    out.error = qs(m.error);
    out.model = qs(m.model);
    out.stats.promptTokens = m.stats.promptTokens;
    out.stats.generatedTokens = m.stats.completionTokens;
    out.stats.tokensPerSecond = m.stats.tokensPerSecond;
    out.stats.timeToFirstTokenMs = m.stats.timeToFirstTokenMs;
    out.created = QDateTime::fromMSecsSinceEpoch(m.createdAt);
    return out;
}

ConversationSettings settingsFromJson(const std::optional<std::string>& system, const std::optional<std::string>& json)
{
    ConversationSettings s;
    if (system) s.systemPrompt = qs(*system);
    if (!json) return s;
    const nlohmann::json j = nlohmann::json::parse(*json, nullptr, false);
    if (!j.is_object()) return s;
    if (j.contains("temperature") && j["temperature"].is_number()) s.temperature = j["temperature"].get<double>();
    if (j.contains("top_p") && j["top_p"].is_number()) s.topP = j["top_p"].get<double>();
    if (j.contains("top_k") && j["top_k"].is_number_integer()) s.topK = j["top_k"].get<int>();
    if (j.contains("max_tokens") && j["max_tokens"].is_number_integer()) s.maxTokens = j["max_tokens"].get<int>();
    return s;
}

std::optional<std::string> settingsToJson(const ConversationSettings& s)
{
    nlohmann::json j = nlohmann::json::object();
    if (s.temperature >= 0) j["temperature"] = s.temperature;
    if (s.topP >= 0) j["top_p"] = s.topP;
    if (s.topK >= 0) j["top_k"] = s.topK;
    if (s.maxTokens > 0) j["max_tokens"] = s.maxTokens;
    if (j.empty()) return std::nullopt;
    return j.dump();
}

QString titleFor(const QString& text)
{
    QString line = text.simplified();
    if (line.size() > 60) line = line.left(57) + QStringLiteral("…");
    return line;
}

}  // namespace

ChatStoreWorker::ChatStoreWorker() = default;
ChatStoreWorker::~ChatStoreWorker() = default;

template <typename F> void ChatStoreWorker::guarded(F&& body)
{
    try {
        if (!m_db) throw std::runtime_error("the chat database is not open");
        body();
    } catch (const std::exception& e) {
        emit failed(QString::fromUtf8(e.what()));
    }
}

void ChatStoreWorker::open(const QString& path)
{
    try {
        m_db = std::make_unique<storage::Database>(ss(path));
        m_conversations = std::make_unique<storage::ConversationStore>(*m_db);
        m_search = std::make_unique<storage::MessageSearch>(*m_db);
        m_settings = std::make_unique<storage::Settings>(*m_db);
        emit opened(m_db->interruptedOnOpen());
    } catch (const std::exception& e) {
        m_db.reset();
        emit failed(QString::fromUtf8(e.what()));
    }
}

ConversationInfo ChatStoreWorker::info(qint64 conversationId) const
{
    const storage::Conversation c = m_conversations->conversation(conversationId);
    ConversationInfo out;
    out.id = c.id;
    out.title = qs(c.title);
    out.settings = settingsFromJson(c.systemPrompt, c.samplingJson);
    return out;
}

QList<ChatMessage> ChatStoreWorker::path(qint64 conversationId) const
{
    QList<ChatMessage> out;
    for (const storage::Message& m : m_conversations->activePath(conversationId)) {
        ChatMessage c = fromStorage(m);
        const storage::SiblingInfo s = m_conversations->siblings(m.id);
        c.siblingIndex = s.index - 1;
        c.siblingCount = s.count;
        c.previousSiblingId = s.previousId;
        c.nextSiblingId = s.nextId;
        out.append(c);
    }
    return out;
}

void ChatStoreWorker::listConversations(const QString& query)
{
    guarded([&] {
        QList<ConversationSummary> list;
        if (query.trimmed().isEmpty()) {
            for (const storage::Conversation& c : m_conversations->listConversations())
                list.append({c.id, qs(c.title), QDateTime::fromMSecsSinceEpoch(c.updatedAt), QString()});
        } else {
            storage::SearchOptions options;
            options.highlightOpen = "\x01";   // replaced by the view with its own emphasis
            options.highlightClose = "\x02";
            for (const storage::SearchHit& h : m_search->search(ss(query), options))
                list.append({h.conversationId, qs(h.title), QDateTime::fromMSecsSinceEpoch(h.updatedAt), qs(h.snippet)});
        }
        emit conversationsListed(query, list);
    });
}

void ChatStoreWorker::openConversation(qint64 conversationId)
{
    guarded([&] { emit conversationOpened(info(conversationId), path(conversationId)); });
}

void ChatStoreWorker::answerTurn(qint64 tag, qint64 conversationId)
{
    emit turnStarted(tag, info(conversationId), path(conversationId));
    emit conversationsChanged();
}

void ChatStoreWorker::startTurn(qint64 tag, qint64 conversationId, qint64 parentId, const QString& text,
                                const QString& model, const QString& settingsJson)
{
    guarded([&] {
        qint64 id = conversationId;
        if (id == 0) id = m_conversations->createConversation(ss(titleFor(text)));
        const qint64 user = m_conversations->addMessage(id, parentId, storage::MessageRole::User, ss(text));
        m_conversations->beginReply(id, user, ss(model), ss(settingsJson));
        answerTurn(tag, id);
    });
}

void ChatStoreWorker::startEdit(qint64 tag, qint64 messageId, const QString& text, const QString& model,
                                const QString& settingsJson)
{
    guarded([&] {
        const qint64 edited = m_conversations->editMessage(messageId, ss(text));
        const storage::Message m = m_conversations->message(edited);
        m_conversations->beginReply(m.conversationId, edited, ss(model), ss(settingsJson));
        answerTurn(tag, m.conversationId);
    });
}

void ChatStoreWorker::startRegenerate(qint64 tag, qint64 replyId, const QString& model, const QString& settingsJson)
{
    guarded([&] {
        const storage::Message old = m_conversations->message(replyId);
        m_conversations->beginReply(old.conversationId, old.parentId, ss(model), ss(settingsJson));
        answerTurn(tag, old.conversationId);
    });
}

void ChatStoreWorker::updateReply(qint64 messageId, const QString& content, const QString& reasoning, qint64 tokens)
{
    guarded([&] { m_conversations->updateReply(messageId, ss(content), ss(reasoning), tokens); });
}

void ChatStoreWorker::finishReply(const ChatMessage& reply)
{
    guarded([&] {
        storage::ReplyStats stats;
        stats.promptTokens = reply.stats.promptTokens;
        stats.completionTokens = reply.stats.generatedTokens;
        stats.tokensPerSecond = reply.stats.tokensPerSecond;
        stats.timeToFirstTokenMs = reply.stats.timeToFirstTokenMs;
        m_conversations->finishReply(reply.id, toStorage(reply.status), ss(reply.content), ss(reply.reasoning), stats,
                                     ss(reply.error));
    });
}

void ChatStoreWorker::switchBranch(qint64 messageId)
{
    guarded([&] {
        m_conversations->switchTo(messageId);
        const qint64 conversation = m_conversations->message(messageId).conversationId;
        emit conversationOpened(info(conversation), path(conversation));
    });
}

void ChatStoreWorker::saveConversation(const ConversationInfo& conversation)
{
    guarded([&] {
        m_conversations->setTitle(conversation.id, ss(conversation.title));
        const QString system = conversation.settings.systemPrompt;
        m_conversations->setSystemPrompt(conversation.id, system.isEmpty() ? std::nullopt : std::optional(ss(system)));
        m_conversations->setSampling(conversation.id, settingsToJson(conversation.settings));
        emit conversationsChanged();
    });
}

void ChatStoreWorker::deleteConversation(qint64 conversationId)
{
    guarded([&] {
        m_conversations->deleteConversation(conversationId);
        emit conversationsChanged();
    });
}

void ChatStoreWorker::loadSettings()
{
    guarded([&] {
        QVariantMap out;
        for (const storage::SettingSpec& spec : storage::Settings::specs()) {
            const QString key = QString::fromLatin1(spec.key);
            switch (spec.type) {
            case storage::SettingType::String: out[key] = qs(m_settings->getString(spec.key)); break;
            case storage::SettingType::Int: out[key] = qlonglong(m_settings->getInt(spec.key)); break;
            case storage::SettingType::Double: out[key] = m_settings->getDouble(spec.key); break;
            case storage::SettingType::Bool: out[key] = m_settings->getBool(spec.key); break;
            case storage::SettingType::Json: out[key] = qs(m_settings->getJson(spec.key).dump()); break;
            }
        }
        emit settingsLoaded(out);
    });
}

void ChatStoreWorker::setSetting(const QString& key, const QVariant& value)
{
    guarded([&] {
        const std::string k = ss(key);
        switch (storage::Settings::spec(k).type) {
        case storage::SettingType::String: m_settings->setString(k, ss(value.toString())); break;
        case storage::SettingType::Int: m_settings->setInt(k, value.toLongLong()); break;
        case storage::SettingType::Double: m_settings->setDouble(k, value.toDouble()); break;
        case storage::SettingType::Bool: m_settings->setBool(k, value.toBool()); break;
        case storage::SettingType::Json: m_settings->setJson(k, nlohmann::json::parse(ss(value.toString()))); break;
        }
    });
}

}  // namespace fathom::app
