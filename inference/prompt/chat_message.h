// An OpenAI-style chat message list ({"role", "content", "tool_calls"}), as render-chat, the app's
// chat view and the engine's prompt builder hand it around.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>
#include <vector>

namespace fathom::inference {

struct ToolCall {
    std::string type = "function";
    std::string name;
    std::string arguments;  // JSON text, as OpenAI sends it
};

struct ChatMessage {
    std::string role;                    // system | user | assistant | tool
    std::optional<std::string> content;  // null for an assistant turn that only calls tools
    std::vector<ToolCall> toolCalls;
};

// Parses a JSON array of messages (or {"messages": [...]}). `where` names the source in errors.
// Content given as a list of {"type": "text", "text": ...} parts is joined. Throws
// fathom::Error(UserInput) on anything else malformed.
std::vector<ChatMessage> parseChatMessages(const nlohmann::json& doc, const std::string& where);

}  // namespace fathom::inference
