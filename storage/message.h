// What the chat stores: conversations and the tree of messages inside each one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace fathom::storage {

// Stored on disk as TEXT ('system', 'user', 'assistant') — never rename a value.
enum class MessageRole { System, User, Assistant };
// Stored on disk as TEXT ('streaming', 'complete', 'stopped', 'error', 'interrupted') — never
// rename a value. `interrupted`: the process died while the reply was streaming.
enum class MessageStatus { Streaming, Complete, Stopped, Error, Interrupted };

const char* toString(MessageRole role);
const char* toString(MessageStatus status);
// Throw fathom::Error(UserInput) naming the value for text that is not a known role / status.
MessageRole roleFromString(const std::string& text);
MessageStatus statusFromString(const std::string& text);

// Numbers the engine reports for one generated reply (inference::DoneStats, in storage terms).
struct ReplyStats {
    std::int64_t promptTokens = 0;
    std::int64_t completionTokens = 0;
    double tokensPerSecond = 0;     // decode only
    double timeToFirstTokenMs = 0;
};

struct Message {
    std::int64_t id = 0;
    std::int64_t conversationId = 0;
    std::int64_t parentId = 0;       // 0: a root (first message of a branch of the conversation)
    std::int64_t activeChildId = 0;  // 0: none chosen (a leaf)
    MessageRole role = MessageRole::User;
    std::string content;
    std::string reasoning;  // R1-style thinking text, shown apart from the answer
    MessageStatus status = MessageStatus::Complete;
    std::string error;         // why status is `error`
    std::string model;         // model folder or name that produced a reply
    std::string settingsJson;  // sampling settings used, JSON object text ("" for user messages)
    ReplyStats stats;
    std::int64_t createdAt = 0;  // ms since the Unix epoch
    std::int64_t updatedAt = 0;
};

struct Conversation {
    std::int64_t id = 0;
    std::string title;
    std::optional<std::string> systemPrompt;  // nullopt: the global default
    std::optional<std::string> model;         // nullopt: the global default model
    std::optional<std::string> samplingJson;  // nullopt: global defaults; else a JSON object of overrides
    std::int64_t activeRootId = 0;
    std::int64_t createdAt = 0;
    std::int64_t updatedAt = 0;
};

// Where a message sits among its siblings, for the "‹ 2/3 ›" control.
struct SiblingInfo {
    int index = 1;  // 1-based, in creation order
    int count = 1;
    std::int64_t previousId = 0;  // 0 at the first
    std::int64_t nextId = 0;      // 0 at the last
};

}  // namespace fathom::storage
