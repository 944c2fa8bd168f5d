// Converts between storage's std::string records and the app's Qt values. Each function builds the
// storage objects it needs on the worker's Database (they are thin views over the connection).
#include "app/services/chat_store_queries.h"

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

QList<ConversationSummary> ChatStoreQueries::listConversations(storage::Database& db, const QString& query)
{
    QList<ConversationSummary> list;
    if (query.trimmed().isEmpty()) {
        for (const storage::Conversation& c : storage::ConversationStore(db).listConversations())
            list.append({c.id, qs(c.title), QDateTime::fromMSecsSinceEpoch(c.updatedAt), QString()});
        return list;
    }
    storage::SearchOptions options;
    options.highlightOpen = std::string(1, '\x01');  // the sidebar puts its own marks around matches
    options.highlightClose = std::string(1, '\x02');
    for (const storage::SearchHit& h : storage::MessageSearch(db).search(ss(query), options))
        list.append({h.conversationId, qs(h.title), QDateTime::fromMSecsSinceEpoch(h.updatedAt), qs(h.snippet)});
    return list;
}

ConversationInfo ChatStoreQueries::info(storage::Database& db, qint64 conversationId)
{
    const storage::Conversation c = storage::ConversationStore(db).conversation(conversationId);
    ConversationInfo out;
    out.id = c.id;
    out.title = qs(c.title);
    out.settings = settingsFromJson(c.systemPrompt, c.samplingJson);
    return out;
}

QList<ChatMessage> ChatStoreQueries::path(storage::Database& db, qint64 conversationId)
{
    const storage::ConversationStore store(db);
    QList<ChatMessage> out;
    for (const storage::Message& m : store.activePath(conversationId)) {
        ChatMessage c = fromStorage(m);
        const storage::SiblingInfo s = store.siblings(m.id);
        c.siblingIndex = s.index - 1;
        c.siblingCount = s.count;
        c.previousSiblingId = s.previousId;
        c.nextSiblingId = s.nextId;
        out.append(c);
    }
    return out;
}

qint64 ChatStoreQueries::startTurn(storage::Database& db, qint64 conversationId, qint64 parentId, const QString& text,
                                   const QString& model, const QString& settingsJson)
{
    storage::ConversationStore store(db);
    qint64 id = conversationId;
    if (id == 0) id = store.createConversation(ss(titleFor(text)));
    const qint64 user = store.addMessage(id, parentId, storage::MessageRole::User, ss(text));
    store.beginReply(id, user, ss(model), ss(settingsJson));
    return id;
}

qint64 ChatStoreQueries::startEdit(storage::Database& db, qint64 messageId, const QString& text, const QString& model,
                                   const QString& settingsJson)
{
    storage::ConversationStore store(db);
    const qint64 edited = store.editMessage(messageId, ss(text));
    const qint64 conversation = store.message(edited).conversationId;
    store.beginReply(conversation, edited, ss(model), ss(settingsJson));
    return conversation;
}

qint64 ChatStoreQueries::startRegenerate(storage::Database& db, qint64 replyId, const QString& model,
                                         const QString& settingsJson)
{
    storage::ConversationStore store(db);
    const storage::Message old = store.message(replyId);
    store.beginReply(old.conversationId, old.parentId, ss(model), ss(settingsJson));
    return old.conversationId;
}

void ChatStoreQueries::updateReply(storage::Database& db, qint64 messageId, const QString& content,
                                   const QString& reasoning, qint64 tokens)
{
    storage::ConversationStore(db).updateReply(messageId, ss(content), ss(reasoning), tokens);
}

void ChatStoreQueries::finishReply(storage::Database& db, const ChatMessage& reply)
{
    storage::ReplyStats stats;
    stats.promptTokens = reply.stats.promptTokens;
    stats.completionTokens = reply.stats.generatedTokens;
    stats.tokensPerSecond = reply.stats.tokensPerSecond;
    stats.timeToFirstTokenMs = reply.stats.timeToFirstTokenMs;
    storage::ConversationStore(db).finishReply(reply.id, toStorage(reply.status), ss(reply.content), ss(reply.reasoning),
                                               stats, ss(reply.error));
}

qint64 ChatStoreQueries::switchBranch(storage::Database& db, qint64 messageId)
{
    storage::ConversationStore store(db);
    store.switchTo(messageId);
    return store.message(messageId).conversationId;
}

void ChatStoreQueries::saveConversation(storage::Database& db, const ConversationInfo& conversation)
{
    storage::ConversationStore store(db);
    store.setTitle(conversation.id, ss(conversation.title));
    const QString system = conversation.settings.systemPrompt;
    store.setSystemPrompt(conversation.id, system.isEmpty() ? std::nullopt : std::optional(ss(system)));
    store.setSampling(conversation.id, settingsToJson(conversation.settings));
}

void ChatStoreQueries::deleteConversation(storage::Database& db, qint64 conversationId)
{
    storage::ConversationStore(db).deleteConversation(conversationId);
}

QVariantMap ChatStoreQueries::settings(storage::Database& db)
{
    const storage::Settings settings(db);
    QVariantMap out;
    for (const storage::SettingSpec& spec : storage::Settings::specs()) {
        const QString key = QString::fromLatin1(spec.key);
        switch (spec.type) {
        case storage::SettingType::String: out[key] = qs(settings.getString(spec.key)); break;
        case storage::SettingType::Int: out[key] = qlonglong(settings.getInt(spec.key)); break;
        case storage::SettingType::Double: out[key] = settings.getDouble(spec.key); break;
        case storage::SettingType::Bool: out[key] = settings.getBool(spec.key); break;
        case storage::SettingType::Json: out[key] = qs(settings.getJson(spec.key).dump()); break;
        }
    }
    return out;
}

void ChatStoreQueries::setSetting(storage::Database& db, const QString& key, const QVariant& value)
{
    storage::Settings settings(db);
    const std::string k = ss(key);
    switch (storage::Settings::spec(k).type) {
    case storage::SettingType::String: settings.setString(k, ss(value.toString())); break;
    case storage::SettingType::Int: settings.setInt(k, value.toLongLong()); break;
    case storage::SettingType::Double: settings.setDouble(k, value.toDouble()); break;
    case storage::SettingType::Bool: settings.setBool(k, value.toBool()); break;
    case storage::SettingType::Json: settings.setJson(k, nlohmann::json::parse(ss(value.toString()))); break;
    }
}

}  // namespace fathom::app
