// JSON -> ChatMessage, with errors that point at the message index and field.
#include "inference/prompt/chat_message.h"

#include "base/error.h"

#include <nlohmann/json.hpp>

namespace fathom::inference {

namespace {

std::string stringField(const nlohmann::json& obj, const char* key, const std::string& where)
{
    auto it = obj.find(key);
    if (it == obj.end() || !it->is_string())
        throwFileError(where, std::string("needs a string \"") + key + "\"");
    return it->get<std::string>();
}

}  // namespace

namespace {
std::vector<ChatMessage> parseMessages(const nlohmann::json& doc, const std::string& where);
}

std::vector<ChatMessage> parseChatMessages(const nlohmann::json& doc, const std::string& where)
{
    try {
        return parseMessages(doc, where);
    } catch (const nlohmann::json::exception& e) {
        throwFileError(where, std::string("has an unexpected structure (") + e.what() + ")");
    }
}

namespace {

std::vector<ChatMessage> parseMessages(const nlohmann::json& doc, const std::string& where)
{
    const nlohmann::json& list = doc.is_object() && doc.contains("messages") ? doc["messages"] : doc;
    if (!list.is_array())
        throwFileError(where, "expected a JSON array of messages (or an object with \"messages\")");
    std::vector<ChatMessage> out;
    for (std::size_t i = 0; i < list.size(); ++i) {
        const auto& m = list[i];
        const std::string at = where + ": message " + std::to_string(i + 1);
        if (!m.is_object())
            throwFileError(at, "is not an object");
        ChatMessage msg;
        msg.role = stringField(m, "role", at);
        if (msg.role != "system" && msg.role != "user" && msg.role != "assistant" && msg.role != "tool")
            throwFileError(at, "has role \"" + msg.role + "\"; expected system, user, assistant or tool");
        auto c = m.find("content");
        if (c != m.end() && c->is_string()) {
            msg.content = c->get<std::string>();
        } else if (c != m.end() && c->is_array()) {
            std::string joined;
            for (const auto& part : *c) {
                if (!part.is_object() || !part.contains("type") || part["type"] != "text" || !part.contains("text") || !part["text"].is_string())
                    throwFileError(at, "has a content part that is not {\"type\": \"text\", \"text\": ...}");
                joined += part["text"].get<std::string>();
            }
            msg.content = joined;
        } else if (c != m.end() && !c->is_null()) {
            throwFileError(at, "has \"content\" that is neither a string, a list of text parts, nor null");
        }
        if (auto t = m.find("tool_calls"); t != m.end() && !t->is_null()) {
            if (!t->is_array())
                throwFileError(at, "has \"tool_calls\" that is not a list");
            for (const auto& call : *t) {
                const auto f = call.is_object() ? call.find("function") : call.end();
                if (f == call.end() || !f->is_object())
                    throwFileError(at, "has a tool call without a \"function\" object");
                ToolCall tc;
                if (call.contains("type") && call["type"].is_string())
                    tc.type = call["type"].get<std::string>();
                tc.name = stringField(*f, "name", at + " tool call");
                const auto& args = f->contains("arguments") ? (*f)["arguments"] : nlohmann::json();
                tc.arguments = args.is_string() ? args.get<std::string>() : args.is_null() ? "" : args.dump();
                msg.toolCalls.push_back(std::move(tc));
            }
        }
        if (!msg.content && msg.toolCalls.empty() && msg.role != "assistant")
            throwFileError(at, "(" + msg.role + ") has no \"content\"");
        out.push_back(std::move(msg));
    }
    return out;
}

}  // namespace

}  // namespace fathom::inference
