// Conversations and their message trees: the chat view's model, on disk. Editing a message or
// regenerating a reply adds a sibling branch; every parent remembers its active child (the
// conversation its active root), so the shown path is one recursive query and switching branches
// is one UPDATE that keeps each branch's own deeper choices. Every change is one transaction.
#pragma once

#include "storage/message.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fathom::storage {

class Database;

class ConversationStore final {
public:
    explicit ConversationStore(const Database& db) : m_db(db) {}
    const Database& database() const { return m_db; }

    // --- conversations
    std::int64_t createConversation(const std::string& title = {});
    std::optional<Conversation> findConversation(std::int64_t id) const;
    Conversation conversation(std::int64_t id) const;  // throws UserInput "no conversation N"
    std::vector<Conversation> listConversations() const;  // most recently updated first
    void setTitle(std::int64_t id, const std::string& title);
    void setSystemPrompt(std::int64_t id, const std::optional<std::string>& prompt);
    void setModel(std::int64_t id, const std::optional<std::string>& model);
    // `json` must be a JSON object (checked); nullopt returns to the global defaults.
    void setSampling(std::int64_t id, const std::optional<std::string>& json);
    void deleteConversation(std::int64_t id);

    // --- messages
    // Adds a message under `parentId` (0: a new root) and makes it that parent's active child. These
    // calls are made at the shown path's end (or on a message of it), so they set that one link only;
    // switchTo() shows a message anywhere in the tree.
    std::int64_t addMessage(std::int64_t conversationId, std::int64_t parentId, MessageRole role,
                            const std::string& content);
    // Editing: a sibling of `messageId` with the same role and new content, made active. The
    // original and everything under it stay as the other branch.
    std::int64_t editMessage(std::int64_t messageId, const std::string& content);
    // A new assistant reply under `parentId`, status `streaming`, made active. Calling it again with
    // the same parent is "regenerate": the replies become siblings.
    std::int64_t beginReply(std::int64_t conversationId, std::int64_t parentId, const std::string& model,
                            const std::string& settingsJson);
    // Progress of a streaming reply (ReplyWriter calls this, batched).
    void updateReply(std::int64_t messageId, const std::string& content, const std::string& reasoning,
                     std::int64_t completionTokens);
    // The end of a reply: final text, `status` (complete, stopped or error), stats, error text.
    void finishReply(std::int64_t messageId, MessageStatus status, const std::string& content,
                     const std::string& reasoning, const ReplyStats& stats, const std::string& error = {});
    // Inserts a fully specified message as is (import); does not touch active choices. Returns its id.
    std::int64_t insertMessage(const Message& message);
    void setActiveChild(std::int64_t parentId, std::int64_t childId);  // import: 0 clears
    void setActiveRoot(std::int64_t conversationId, std::int64_t rootId);
    // Deletes the message and everything under it; the parent's active child moves to the newest
    // remaining sibling.
    void deleteMessage(std::int64_t messageId);

    std::optional<Message> findMessage(std::int64_t id) const;
    Message message(std::int64_t id) const;  // throws UserInput "no message N"
    // The shown path: active root, its active child, ... down to a leaf.
    std::vector<Message> activePath(std::int64_t conversationId) const;
    std::int64_t activeLeaf(std::int64_t conversationId) const;  // 0: empty conversation
    std::vector<Message> allMessages(std::int64_t conversationId) const;  // by id (parents first)
    std::vector<Message> children(std::int64_t conversationId, std::int64_t parentId) const;

    // --- branches
    SiblingInfo siblings(std::int64_t messageId) const;
    // Shows `messageId`: it becomes its parent's active child and every ancestor points down to it;
    // the shown path then continues down that branch's own remembered choices.
    void switchTo(std::int64_t messageId);

private:
    void touch(std::int64_t conversationId);
    void makeActive(std::int64_t conversationId, std::int64_t parentId, std::int64_t childId);

    const Database& m_db;
};

}  // namespace fathom::storage
