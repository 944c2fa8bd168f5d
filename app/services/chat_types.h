// Plain values the app passes between storage, the engine bridge and the widgets (GUI thread side).
// They travel through queued signals, so each is registered as a Qt metatype.
#pragma once

#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QString>

namespace fathom::app {

enum class Role { System, User, Assistant };

// How a stored reply ended (docs/RELIABILITY.md, "Chats and settings").
enum class MessageStatus { Complete, Streaming, Stopped, Error, Interrupted };

struct MessageStats {
    qint64 promptTokens = 0;
    qint64 generatedTokens = 0;
    double timeToFirstTokenMs = 0;
    double tokensPerSecond = 0;
    qint64 cachedPromptTokens = 0;   // prompt tokens the engine reused from its KV cache
};

struct ChatMessage {
    qint64 id = 0;          // 0 = not stored yet
    qint64 parentId = 0;    // 0 = first message of the conversation
    Role role = Role::User;
    QString content;        // Markdown (the answer, for a reply)
    QString reasoning;      // R1-style thinking, shown folded above the answer
    MessageStatus status = MessageStatus::Complete;
    QString error;          // when status is Error
    QString model;          // which model wrote it (assistant)
    MessageStats stats;
    QDateTime created;
    // Position among the messages sharing this parent (edits and regenerations), for ‹ 2/3 ›.
    int siblingIndex = 0;       // 0-based
    int siblingCount = 1;
    qint64 previousSiblingId = 0;   // 0 at the first
    qint64 nextSiblingId = 0;       // 0 at the last
};

// Per-conversation generation settings; empty/negative fields fall back to the global settings.
struct ConversationSettings {
    QString systemPrompt;
    double temperature = -1;   // < 0 = global default
    double topP = -1;
    int topK = -1;
    int maxTokens = -1;
};

struct ConversationInfo {
    qint64 id = 0;
    QString title;
    ConversationSettings settings;
};

struct ConversationSummary {
    qint64 id = 0;
    QString title;
    QDateTime updated;
    QString snippet;   // search hit context, empty when listing
};

}  // namespace fathom::app

Q_DECLARE_METATYPE(fathom::app::ChatMessage)
Q_DECLARE_METATYPE(fathom::app::ConversationSettings)
Q_DECLARE_METATYPE(fathom::app::ConversationSummary)
Q_DECLARE_METATYPE(fathom::app::ConversationInfo)
Q_DECLARE_METATYPE(fathom::app::MessageStats)
