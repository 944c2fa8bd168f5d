#include "storage/conversation_store.h"

#include "base/error.h"
#include "storage/database.h"
#include "storage/statement.h"
#include "storage/transaction.h"

#include <nlohmann/json.hpp>

namespace fathom::storage {

namespace {

constexpr const char* kMessageColumns =
    "m.id, m.conversation_id, m.parent_id, m.active_child_id, m.role, m.content, m.reasoning, m.status, "
    "m.error, m.model, m.settings_json, m.prompt_tokens, m.completion_tokens, m.tokens_per_second, "
    "m.time_to_first_token_ms, m.created_at, m.updated_at";

constexpr const char* kConversationColumns =
    "id, title, system_prompt, model, sampling_json, active_root_id, created_at, updated_at";

Message readMessage(const Statement& s)
{
    Message m;
    m.id = s.intAt(0);
    m.conversationId = s.intAt(1);
    m.parentId = s.intAt(2);
    m.activeChildId = s.intAt(3);
    m.role = roleFromString(s.textAt(4));
    m.content = s.textAt(5);
    m.reasoning = s.textAt(6);
    m.status = statusFromString(s.textAt(7));
    m.error = s.textAt(8);
    m.model = s.textAt(9);
    m.settingsJson = s.textAt(10);
    m.stats.promptTokens = s.intAt(11);
    m.stats.completionTokens = s.intAt(12);
    m.stats.tokensPerSecond = s.doubleAt(13);
    m.stats.timeToFirstTokenMs = s.doubleAt(14);
    m.createdAt = s.intAt(15);
    m.updatedAt = s.intAt(16);
    return m;
}

std::optional<std::string> optionalText(const Statement& s, int column)
{
    if (s.isNullAt(column))
        return std::nullopt;
    return s.textAt(column);
}

Conversation readConversation(const Statement& s)
{
    Conversation c;
    c.id = s.intAt(0);
    c.title = s.textAt(1);
    c.systemPrompt = optionalText(s, 2);
    c.model = optionalText(s, 3);
    c.samplingJson = optionalText(s, 4);
    c.activeRootId = s.intAt(5);
    c.createdAt = s.intAt(6);
    c.updatedAt = s.intAt(7);
    return c;
}

void bindOptional(Statement& s, int index, const std::optional<std::string>& value)
{
    if (value)
        s.bindText(index, *value);
    else
        s.bindNull(index);
}

std::string select(const char* columns, const char* rest) { return std::string("SELECT ") + columns + " " + rest; }

}  // namespace

// ---------------------------------------------------------------- conversations

std::int64_t ConversationStore::createConversation(const std::string& title)
{
    return inTransaction(m_db, [&] {
        std::int64_t now = Database::nowMs();
        Statement s(m_db, "INSERT INTO conversations(title, created_at, updated_at) VALUES (?1, ?2, ?2)");
        s.bindText(1, title).bindInt(2, now).run();
        return m_db.lastInsertId();
    });
}

std::optional<Conversation> ConversationStore::findConversation(std::int64_t id) const
{
    Statement s(m_db, select(kConversationColumns, "FROM conversations WHERE id = ?1").c_str());
    s.bindInt(1, id);
    if (!s.step())
        return std::nullopt;
    return readConversation(s);
}

Conversation ConversationStore::conversation(std::int64_t id) const
{
    auto c = findConversation(id);
    if (!c)
        throwUserError(m_db.path() + ": no conversation " + std::to_string(id));
    return *c;
}

std::vector<Conversation> ConversationStore::listConversations() const
{
    Statement s(m_db, select(kConversationColumns, "FROM conversations ORDER BY updated_at DESC, id DESC").c_str());
    std::vector<Conversation> out;
    while (s.step())
        out.push_back(readConversation(s));
    return out;
}

void ConversationStore::setTitle(std::int64_t id, const std::string& title)
{
    inTransaction(m_db, [&] {
        Statement s(m_db, "UPDATE conversations SET title = ?2, updated_at = ?3 WHERE id = ?1");
        s.bindInt(1, id).bindText(2, title).bindInt(3, Database::nowMs()).run();
    });
}

void ConversationStore::setSystemPrompt(std::int64_t id, const std::optional<std::string>& prompt)
{
    inTransaction(m_db, [&] {
        Statement s(m_db, "UPDATE conversations SET system_prompt = ?2, updated_at = ?3 WHERE id = ?1");
        s.bindInt(1, id);
        bindOptional(s, 2, prompt);
        s.bindInt(3, Database::nowMs()).run();
    });
}

void ConversationStore::setModel(std::int64_t id, const std::optional<std::string>& model)
{
    inTransaction(m_db, [&] {
        Statement s(m_db, "UPDATE conversations SET model = ?2, updated_at = ?3 WHERE id = ?1");
        s.bindInt(1, id);
        bindOptional(s, 2, model);
        s.bindInt(3, Database::nowMs()).run();
    });
}

void ConversationStore::setSampling(std::int64_t id, const std::optional<std::string>& json)
{
    if (json) {
        auto parsed = nlohmann::json::parse(*json, nullptr, false);
        if (parsed.is_discarded() || !parsed.is_object())
            throwUserError("conversation " + std::to_string(id) + ": sampling settings must be a JSON object, got '" +
                           json->substr(0, 80) + "'");
    }
    inTransaction(m_db, [&] {
        Statement s(m_db, "UPDATE conversations SET sampling_json = ?2, updated_at = ?3 WHERE id = ?1");
        s.bindInt(1, id);
        bindOptional(s, 2, json);
        s.bindInt(3, Database::nowMs()).run();
    });
}

void ConversationStore::deleteConversation(std::int64_t id)
{
    inTransaction(m_db, [&] {
        // Messages first in one statement: parent_id is checked at the statement's end, when the
        // whole tree is gone, and no cascade recursion is involved.
        Statement(m_db, "UPDATE conversations SET active_root_id = NULL WHERE id = ?1").bindInt(1, id).run();
        Statement(m_db, "DELETE FROM messages WHERE conversation_id = ?1").bindInt(1, id).run();
        Statement(m_db, "DELETE FROM conversations WHERE id = ?1").bindInt(1, id).run();
    });
}

void ConversationStore::touch(std::int64_t conversationId)
{
    Statement s(m_db, "UPDATE conversations SET updated_at = ?2 WHERE id = ?1");
    s.bindInt(1, conversationId).bindInt(2, Database::nowMs()).run();
}

// ---------------------------------------------------------------- messages

std::int64_t ConversationStore::insertMessage(const Message& m)
{
    return inTransaction(m_db, [&] {
        if (m.parentId != 0) {
            auto parent = findMessage(m.parentId);
            if (!parent || parent->conversationId != m.conversationId)
                throwUserError("message " + std::to_string(m.parentId) + " is not in conversation " +
                               std::to_string(m.conversationId));
        }
        Statement s(m_db,
                    "INSERT INTO messages(conversation_id, parent_id, role, content, reasoning, status, error, model, "
                    "settings_json, prompt_tokens, completion_tokens, tokens_per_second, time_to_first_token_ms, "
                    "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
        s.bindInt(1, m.conversationId).bindIdOrNull(2, m.parentId).bindText(3, toString(m.role));
        s.bindText(4, m.content).bindText(5, m.reasoning).bindText(6, toString(m.status)).bindText(7, m.error);
        s.bindText(8, m.model).bindText(9, m.settingsJson).bindInt(10, m.stats.promptTokens);
        s.bindInt(11, m.stats.completionTokens).bindDouble(12, m.stats.tokensPerSecond);
        s.bindDouble(13, m.stats.timeToFirstTokenMs).bindInt(14, m.createdAt).bindInt(15, m.updatedAt);
        s.run();
        return m_db.lastInsertId();
    });
}

void ConversationStore::makeActive(std::int64_t conversationId, std::int64_t parentId, std::int64_t childId)
{
    if (parentId == 0)
        setActiveRoot(conversationId, childId);
    else
        setActiveChild(parentId, childId);
}

void ConversationStore::setActiveChild(std::int64_t parentId, std::int64_t childId)
{
    Statement s(m_db, "UPDATE messages SET active_child_id = ?2 WHERE id = ?1");
    s.bindInt(1, parentId).bindIdOrNull(2, childId).run();
}

void ConversationStore::setActiveRoot(std::int64_t conversationId, std::int64_t rootId)
{
    Statement s(m_db, "UPDATE conversations SET active_root_id = ?2 WHERE id = ?1");
    s.bindInt(1, conversationId).bindIdOrNull(2, rootId).run();
}

std::int64_t ConversationStore::addMessage(std::int64_t conversationId, std::int64_t parentId, MessageRole role,
                                           const std::string& content)
{
    return inTransaction(m_db, [&] {
        conversation(conversationId);  // a clear error for a wrong id instead of a foreign-key failure
        Message m;
        m.conversationId = conversationId;
        m.parentId = parentId;
        m.role = role;
        m.content = content;
        m.status = MessageStatus::Complete;
        m.createdAt = m.updatedAt = Database::nowMs();
        std::int64_t id = insertMessage(m);
        makeActive(conversationId, parentId, id);
        touch(conversationId);
        return id;
    });
}

std::int64_t ConversationStore::editMessage(std::int64_t messageId, const std::string& content)
{
    return inTransaction(m_db, [&] {
        Message original = message(messageId);
        Message m;
        m.conversationId = original.conversationId;
        m.parentId = original.parentId;
        m.role = original.role;
        m.content = content;
        m.status = MessageStatus::Complete;
        m.createdAt = m.updatedAt = Database::nowMs();
        std::int64_t id = insertMessage(m);
        makeActive(m.conversationId, m.parentId, id);
        touch(m.conversationId);
        return id;
    });
}

std::int64_t ConversationStore::beginReply(std::int64_t conversationId, std::int64_t parentId,
                                           const std::string& model, const std::string& settingsJson)
{
    return inTransaction(m_db, [&] {
        conversation(conversationId);
        Message m;
        m.conversationId = conversationId;
        m.parentId = parentId;
        m.role = MessageRole::Assistant;
        m.status = MessageStatus::Streaming;
        m.model = model;
        m.settingsJson = settingsJson;
        m.createdAt = m.updatedAt = Database::nowMs();
        std::int64_t id = insertMessage(m);
        makeActive(conversationId, parentId, id);
        touch(conversationId);
        return id;
    });
}

void ConversationStore::updateReply(std::int64_t messageId, const std::string& content, const std::string& reasoning,
                                    std::int64_t completionTokens)
{
    inTransaction(m_db, [&] {
        Statement s(m_db, "UPDATE messages SET content = ?2, reasoning = ?3, completion_tokens = ?4, updated_at = ?5 "
                          "WHERE id = ?1");
        s.bindInt(1, messageId).bindText(2, content).bindText(3, reasoning).bindInt(4, completionTokens);
        s.bindInt(5, Database::nowMs()).run();
        if (m_db.changes() != 1)
            throwUserError(m_db.path() + ": no message " + std::to_string(messageId));
    });
}

void ConversationStore::finishReply(std::int64_t messageId, MessageStatus status, const std::string& content,
                                    const std::string& reasoning, const ReplyStats& stats, const std::string& error)
{
    inTransaction(m_db, [&] {
        Message m = message(messageId);
        Statement s(m_db, "UPDATE messages SET status = ?2, content = ?3, reasoning = ?4, error = ?5, "
                          "prompt_tokens = ?6, completion_tokens = ?7, tokens_per_second = ?8, "
                          "time_to_first_token_ms = ?9, updated_at = ?10 WHERE id = ?1");
        s.bindInt(1, messageId).bindText(2, toString(status)).bindText(3, content).bindText(4, reasoning);
        s.bindText(5, error).bindInt(6, stats.promptTokens).bindInt(7, stats.completionTokens);
        s.bindDouble(8, stats.tokensPerSecond).bindDouble(9, stats.timeToFirstTokenMs);
        s.bindInt(10, Database::nowMs()).run();
        touch(m.conversationId);
    });
}

void ConversationStore::deleteMessage(std::int64_t messageId)
{
    inTransaction(m_db, [&] {
        Message m = message(messageId);
        // The whole subtree in one statement (see schema_v1.cpp on why there is no cascade).
        Statement del(m_db, "WITH RECURSIVE sub(id) AS (SELECT ?1 UNION ALL "
                            "SELECT messages.id FROM messages JOIN sub ON messages.parent_id = sub.id) "
                            "DELETE FROM messages WHERE id IN (SELECT id FROM sub)");
        del.bindInt(1, messageId).run();
        // The parent's active child was cleared by ON DELETE SET NULL; pick the newest sibling.
        auto rest = children(m.conversationId, m.parentId);
        bool wasActive = m.parentId == 0 ? conversation(m.conversationId).activeRootId == 0
                                         : message(m.parentId).activeChildId == 0;
        if (wasActive && !rest.empty())
            makeActive(m.conversationId, m.parentId, rest.back().id);
        touch(m.conversationId);
    });
}

std::optional<Message> ConversationStore::findMessage(std::int64_t id) const
{
    Statement s(m_db, select(kMessageColumns, "FROM messages m WHERE m.id = ?1").c_str());
    s.bindInt(1, id);
    if (!s.step())
        return std::nullopt;
    return readMessage(s);
}

Message ConversationStore::message(std::int64_t id) const
{
    auto m = findMessage(id);
    if (!m)
        throwUserError(m_db.path() + ": no message " + std::to_string(id));
    return *m;
}

std::vector<Message> ConversationStore::activePath(std::int64_t conversationId) const
{
    // depth guards against a cycle in a damaged file (the API never makes one).
    Statement s(m_db, select(kMessageColumns,
                             "FROM (WITH RECURSIVE path(id, depth) AS ("
                             "  SELECT active_root_id, 0 FROM conversations WHERE id = ?1 AND active_root_id IS NOT NULL"
                             "  UNION ALL SELECT messages.active_child_id, path.depth + 1 FROM messages"
                             "  JOIN path ON messages.id = path.id"
                             "  WHERE messages.active_child_id IS NOT NULL AND path.depth < 1000000)"
                             " SELECT id, depth FROM path) p JOIN messages m ON m.id = p.id ORDER BY p.depth")
                          .c_str());
    s.bindInt(1, conversationId);
    std::vector<Message> out;
    while (s.step())
        out.push_back(readMessage(s));
    return out;
}

std::int64_t ConversationStore::activeLeaf(std::int64_t conversationId) const
{
    auto path = activePath(conversationId);
    return path.empty() ? 0 : path.back().id;
}

std::vector<Message> ConversationStore::allMessages(std::int64_t conversationId) const
{
    Statement s(m_db, select(kMessageColumns, "FROM messages m WHERE m.conversation_id = ?1 ORDER BY m.id").c_str());
    s.bindInt(1, conversationId);
    std::vector<Message> out;
    while (s.step())
        out.push_back(readMessage(s));
    return out;
}

std::vector<Message> ConversationStore::children(std::int64_t conversationId, std::int64_t parentId) const
{
    Statement s(m_db, select(kMessageColumns, "FROM messages m WHERE m.conversation_id = ?1 AND "
                                              "m.parent_id IS ?2 ORDER BY m.created_at, m.id")
                          .c_str());
    s.bindInt(1, conversationId).bindIdOrNull(2, parentId);
    std::vector<Message> out;
    while (s.step())
        out.push_back(readMessage(s));
    return out;
}

// ---------------------------------------------------------------- branches

SiblingInfo ConversationStore::siblings(std::int64_t messageId) const
{
    Message m = message(messageId);
    // Ids only: the UI asks this for every shown message, it must not read their contents.
    Statement s(m_db, "SELECT id FROM messages WHERE conversation_id = ?1 AND parent_id IS ?2 ORDER BY created_at, id");
    s.bindInt(1, m.conversationId).bindIdOrNull(2, m.parentId);
    std::vector<std::int64_t> ids;
    while (s.step())
        ids.push_back(s.intAt(0));
    SiblingInfo info;
    info.count = static_cast<int>(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (ids[i] != messageId)
            continue;
        info.index = static_cast<int>(i) + 1;
        info.previousId = i > 0 ? ids[i - 1] : 0;
        info.nextId = i + 1 < ids.size() ? ids[i + 1] : 0;
    }
    return info;
}

void ConversationStore::switchTo(std::int64_t messageId)
{
    inTransaction(m_db, [&] {
        Message m = message(messageId);
        // Point every ancestor at the path down to this message; rows already right are left alone,
        // so switching a sibling on the shown path rewrites one row.
        std::int64_t child = m.id;
        std::int64_t parent = m.parentId;
        while (parent != 0) {
            Message p = message(parent);
            if (p.activeChildId != child)
                setActiveChild(parent, child);
            child = parent;
            parent = p.parentId;
        }
        if (conversation(m.conversationId).activeRootId != child)
            setActiveRoot(m.conversationId, child);
    });
}

}  // namespace fathom::storage
