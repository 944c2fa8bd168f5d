#include "storage/conversation_export.h"

#include "base/error.h"
#include "storage/conversation_store.h"
#include "storage/database.h"
#include "storage/transaction.h"

#include <map>

namespace fathom::storage {

namespace {

using nlohmann::json;

json optionalToJson(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }

const char* roleHeading(MessageRole role)
{
    switch (role) {
    case MessageRole::System: return "System";
    case MessageRole::User: return "User";
    case MessageRole::Assistant: return "Assistant";
    }
    return "?";
}

// ---- reading a hostile file: every access checked, every failure names the file and the field

class Reader {
public:
    explicit Reader(std::string source) : m_source(std::move(source)) {}

    [[noreturn]] void fail(const std::string& problem) const { throwFileError(m_source, problem); }

    const json& field(const json& object, const char* name, const std::string& where) const
    {
        auto it = object.find(name);
        if (it == object.end())
            fail(where + " has no \"" + name + "\"");
        return *it;
    }
    std::string text(const json& object, const char* name, const std::string& where) const
    {
        const json& v = field(object, name, where);
        if (!v.is_string())
            fail(where + ": \"" + name + "\" must be a string");
        return v.get<std::string>();
    }
    std::optional<std::string> optionalText(const json& object, const char* name, const std::string& where) const
    {
        const json& v = field(object, name, where);
        if (v.is_null())
            return std::nullopt;
        return text(object, name, where);
    }
    std::int64_t integer(const json& object, const char* name, const std::string& where) const
    {
        const json& v = field(object, name, where);
        if (!v.is_number_integer())
            fail(where + ": \"" + name + "\" must be an integer");
        return v.get<std::int64_t>();
    }
    double number(const json& object, const char* name, const std::string& where) const
    {
        const json& v = field(object, name, where);
        if (!v.is_number())
            fail(where + ": \"" + name + "\" must be a number");
        return v.get<double>();
    }
    // An id in the file: null -> 0, else a positive integer.
    std::int64_t localId(const json& object, const char* name, const std::string& where) const
    {
        if (field(object, name, where).is_null())
            return 0;
        std::int64_t id = integer(object, name, where);
        if (id <= 0)
            fail(where + ": \"" + name + "\" must be a positive id or null");
        return id;
    }

private:
    std::string m_source;
};

}  // namespace

std::string exportMarkdown(const ConversationStore& store, std::int64_t conversationId)
{
    Conversation c = store.conversation(conversationId);
    std::string out = "# " + (c.title.empty() ? std::string("Conversation") : c.title) + "\n\n";
    if (c.systemPrompt && !c.systemPrompt->empty())
        out += "**System prompt:** " + *c.systemPrompt + "\n\n";
    for (const Message& m : store.activePath(conversationId)) {
        out += std::string("## ") + roleHeading(m.role);
        if (m.role == MessageRole::Assistant && !m.model.empty())
            out += " (" + m.model + ")";
        out += "\n\n";
        if (!m.reasoning.empty())
            out += "<details><summary>Reasoning</summary>\n\n" + m.reasoning + "\n\n</details>\n\n";
        out += m.content + "\n\n";
        if (m.status != MessageStatus::Complete) {
            out += std::string("*(") + toString(m.status);
            if (!m.error.empty())
                out += ": " + m.error;
            out += ")*\n\n";
        }
    }
    return out;
}

json exportJson(const ConversationStore& store, std::int64_t conversationId, ExportIds ids)
{
    Conversation c = store.conversation(conversationId);
    std::vector<Message> messages = store.allMessages(conversationId);  // by id: parents first
    std::map<std::int64_t, std::int64_t> idOf;  // database id -> id in the file
    for (std::size_t i = 0; i < messages.size(); ++i)
        idOf[messages[i].id] = ids == ExportIds::Local ? static_cast<std::int64_t>(i) + 1 : messages[i].id;
    auto ref = [&](std::int64_t dbId) { return dbId == 0 ? json(nullptr) : json(idOf.at(dbId)); };

    json list = json::array();
    for (const Message& m : messages) {
        list.push_back({{"id", idOf.at(m.id)},
                        {"parent", ref(m.parentId)},
                        {"active_child", ref(m.activeChildId)},
                        {"role", toString(m.role)},
                        {"content", m.content},
                        {"reasoning", m.reasoning},
                        {"status", toString(m.status)},
                        {"error", m.error},
                        {"model", m.model},
                        {"settings_json", m.settingsJson},
                        {"prompt_tokens", m.stats.promptTokens},
                        {"completion_tokens", m.stats.completionTokens},
                        {"tokens_per_second", m.stats.tokensPerSecond},
                        {"time_to_first_token_ms", m.stats.timeToFirstTokenMs},
                        {"created_at", m.createdAt},
                        {"updated_at", m.updatedAt}});
    }
    json conversation = {{"title", c.title},
                         {"system_prompt", optionalToJson(c.systemPrompt)},
                         {"model", optionalToJson(c.model)},
                         {"sampling_json", optionalToJson(c.samplingJson)},
                         {"active_root", ref(c.activeRootId)},
                         {"created_at", c.createdAt},
                         {"updated_at", c.updatedAt}};
    if (ids == ExportIds::Database)
        conversation["id"] = c.id;
    return {{"format", kExportFormat}, {"version", kExportVersion}, {"conversation", conversation}, {"messages", list}};
}

std::int64_t importJson(ConversationStore& store, const std::string& jsonText, const std::string& sourceName)
{
    Reader r(sourceName);
    json doc = json::parse(jsonText, nullptr, false);
    if (doc.is_discarded())
        r.fail("not valid JSON");
    if (!doc.is_object() || !doc.contains("format") || doc["format"] != kExportFormat)
        r.fail(std::string("not a Fathom conversation export (\"format\" is not \"") + kExportFormat + "\")");
    std::int64_t version = r.integer(doc, "version", "the file");
    if (version != kExportVersion)
        r.fail("export version " + std::to_string(version) + " is not supported (this build reads version " +
               std::to_string(kExportVersion) + ")");
    const json& conv = r.field(doc, "conversation", "the file");
    const json& list = r.field(doc, "messages", "the file");
    if (!conv.is_object() || !list.is_array())
        r.fail("\"conversation\" must be an object and \"messages\" an array");

    // Pass 1: read and check everything before touching the database.
    std::vector<Message> messages;
    std::map<std::int64_t, std::size_t> indexOf;  // id in the file -> position
    std::vector<std::int64_t> activeChildOf;
    for (std::size_t i = 0; i < list.size(); ++i) {
        const json& j = list[i];
        std::string where = "message " + std::to_string(i + 1);
        if (!j.is_object())
            r.fail(where + " is not an object");
        Message m;
        m.id = r.localId(j, "id", where);
        if (m.id == 0 || indexOf.count(m.id))
            r.fail(where + ": id " + std::to_string(m.id) + " is missing or used twice");
        m.parentId = r.localId(j, "parent", where);
        if (m.parentId != 0 && !indexOf.count(m.parentId))
            r.fail(where + ": parent " + std::to_string(m.parentId) + " does not come before it");
        try {
            m.role = roleFromString(r.text(j, "role", where));
            m.status = statusFromString(r.text(j, "status", where));
        } catch (const Error& e) {
            r.fail(where + ": " + e.what());
        }
        if (m.status == MessageStatus::Streaming)
            m.status = MessageStatus::Interrupted;
        m.content = r.text(j, "content", where);
        m.reasoning = r.text(j, "reasoning", where);
        m.error = r.text(j, "error", where);
        m.model = r.text(j, "model", where);
        m.settingsJson = r.text(j, "settings_json", where);
        m.stats.promptTokens = r.integer(j, "prompt_tokens", where);
        m.stats.completionTokens = r.integer(j, "completion_tokens", where);
        m.stats.tokensPerSecond = r.number(j, "tokens_per_second", where);
        m.stats.timeToFirstTokenMs = r.number(j, "time_to_first_token_ms", where);
        m.createdAt = r.integer(j, "created_at", where);
        m.updatedAt = r.integer(j, "updated_at", where);
        indexOf[m.id] = messages.size();
        messages.push_back(std::move(m));
        activeChildOf.push_back(r.localId(j, "active_child", where));
    }
    for (std::size_t i = 0; i < messages.size(); ++i) {
        std::int64_t child = activeChildOf[i];
        if (child != 0 && (!indexOf.count(child) || messages[indexOf[child]].parentId != messages[i].id))
            r.fail("message " + std::to_string(i + 1) + ": active_child " + std::to_string(child) +
                   " is not one of its children");
    }
    std::int64_t activeRoot = r.localId(conv, "active_root", "\"conversation\"");
    if (activeRoot != 0 && (!indexOf.count(activeRoot) || messages[indexOf[activeRoot]].parentId != 0))
        r.fail("\"conversation\": active_root " + std::to_string(activeRoot) + " is not a first message");
    std::string title = r.text(conv, "title", "\"conversation\"");
    auto systemPrompt = r.optionalText(conv, "system_prompt", "\"conversation\"");
    auto model = r.optionalText(conv, "model", "\"conversation\"");
    auto sampling = r.optionalText(conv, "sampling_json", "\"conversation\"");
    if (sampling && !json::parse(*sampling, nullptr, false).is_object())
        r.fail("\"conversation\": sampling_json must hold a JSON object");
    std::int64_t createdAt = r.integer(conv, "created_at", "\"conversation\"");
    std::int64_t updatedAt = r.integer(conv, "updated_at", "\"conversation\"");

    // Pass 2: one transaction, so a failure leaves no half-imported conversation.
    const Database& db = store.database();
    return inTransaction(db, [&] {
        std::int64_t id = store.createConversation(title);
        store.setSystemPrompt(id, systemPrompt);
        store.setModel(id, model);
        if (sampling)
            store.setSampling(id, sampling);
        std::map<std::int64_t, std::int64_t> dbIdOf;  // id in the file -> new database id
        for (Message m : messages) {
            std::int64_t localId = m.id;
            m.conversationId = id;
            m.parentId = m.parentId ? dbIdOf.at(m.parentId) : 0;
            dbIdOf[localId] = store.insertMessage(m);
        }
        for (std::size_t i = 0; i < messages.size(); ++i)
            if (activeChildOf[i])
                store.setActiveChild(dbIdOf.at(messages[i].id), dbIdOf.at(activeChildOf[i]));
        store.setActiveRoot(id, activeRoot ? dbIdOf.at(activeRoot) : 0);
        db.exec("UPDATE conversations SET created_at = " + std::to_string(createdAt) +
                ", updated_at = " + std::to_string(updatedAt) + " WHERE id = " + std::to_string(id));
        return id;
    });
}

}  // namespace fathom::storage
