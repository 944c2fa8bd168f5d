// The open conversation and its one streaming reply: turns user actions (send, stop, regenerate,
// edit and resend, switch branch) into ChatStore and EngineBridge requests, streams the reply into
// the view and into the database (at least every 250 ms or 32 tokens), and finishes it there.
// Lives on the GUI thread; everything it calls answers later through signals.
#pragma once

#include "app/services/chat_types.h"
#include "app/services/engine_worker.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>
#include <QVariantMap>

namespace fathom::app {

class ChatStore;
class EngineBridge;

class ChatSession final : public QObject {
    Q_OBJECT
public:
    ChatSession(ChatStore* store, EngineBridge* bridge, QObject* parent = nullptr);
    // A reply still streaming is stored as `stopped` with what it has (the store must outlive this).
    ~ChatSession() override;

    // Global defaults (storage's Settings keys: chat.temperature, chat.max_tokens, ...).
    void setGlobalSettings(const QVariantMap& settings) { m_global = settings; }

    qint64 conversationId() const { return m_info.id; }
    const ConversationInfo& conversation() const { return m_info; }
    const QList<ChatMessage>& path() const { return m_path; }
    bool isGenerating() const { return m_reply.active; }

    void newConversation();
    void openConversation(qint64 conversationId);
    // False, with notice(), when no model is loaded or a reply is being written.
    bool send(const QString& text);
    void stop();
    void regenerate(qint64 replyId);
    void editAndResend(qint64 messageId, const QString& text);
    void stepSibling(qint64 messageId, int delta);
    // Title, system prompt and sampling of the open conversation (kept until a new chat is stored).
    void saveConversation(const ConversationInfo& info);

signals:
    void pathChanged(const QList<fathom::app::ChatMessage>& path);   // show this branch
    void conversationChanged(const fathom::app::ConversationInfo& info);
    void replyText(qint64 messageId, const QString& rawText);        // streamed text to append
    void messageUpdated(const fathom::app::ChatMessage& message);    // a reply's final state
    void generatingChanged(bool generating);
    void liveStats(qint64 contextUsed, double tokensPerSecond);
    void notice(const QString& text);

private:
    bool canStart();
    // Sampling and length for a new reply: the conversation's choice, else the global setting.
    GenerationRequest chosenSettings() const;
    // The same as the JSON stored with the reply (which settings wrote it).
    static QString settingsRecord(const GenerationRequest& request);
    void beginReply();
    void onTurnStarted(qint64 tag, const ConversationInfo& info, const QList<ChatMessage>& path);
    void onToken(quint64 ticket, const QString& text);
    void onFinished(quint64 ticket, const MessageStats& stats, MessageStatus status, const QString& error);
    void saveProgress();

    struct Reply {
        bool active = false;
        qint64 tag = 0;           // the store request that creates it
        quint64 ticket = 0;       // the engine request writing it (0 until started)
        bool stopRequested = false;
        ChatMessage message;      // id, parent, model once the store answered
        QString raw;              // text as the model wrote it (may hold <think>…</think>)
        qint64 tokens = 0;
        qint64 promptTokens = 0;
        qint64 savedTokens = 0;
        QElapsedTimer sinceStart;
        QElapsedTimer sinceSave;
        double firstTokenMs = 0;
        GenerationRequest request;  // sampling and max tokens, chosen when the turn began
    };

    ChatStore* m_store;
    EngineBridge* m_bridge;
    QVariantMap m_global;
    ConversationInfo m_info;
    bool m_unsavedSettings = false;   // set on a chat not stored yet: saved when its first turn is
    QList<ChatMessage> m_path;
    Reply m_reply;
    QTimer m_saveTimer;   // saves unsaved tokens when the model pauses (no token to trigger it)
    qint64 m_nextTag = 1;
    int m_opensPending = 0;   // openConversation / switchBranch requests the store has not answered
};

}  // namespace fathom::app
