// A turn: store.startTurn (user message committed, reply row `streaming`) -> bridge.generate ->
// tokens -> store.updateReply (batched) -> store.finishReply (complete / stopped / error).
#include "app/services/chat_session.h"

#include "app/services/chat_store.h"
#include "app/services/engine_bridge.h"
#include "app/services/thinking_split.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>

namespace fathom::app {

namespace {
constexpr qint64 kSaveEveryTokens = 32;  // docs/RELIABILITY.md: a streaming reply is saved
constexpr qint64 kSaveEveryMs = 250;     // at least every 250 ms or 32 tokens
}  // namespace

ChatSession::ChatSession(ChatStore* store, EngineBridge* bridge, QObject* parent)
    : QObject(parent), m_store(store), m_bridge(bridge)
{
    m_saveTimer.setSingleShot(true);
    m_saveTimer.setInterval(int(kSaveEveryMs));
    connect(&m_saveTimer, &QTimer::timeout, this, [this] {
        if (m_reply.active && m_reply.message.id != 0 && m_reply.tokens > m_reply.savedTokens) saveProgress();
    });
    connect(m_store, &ChatStore::turnStarted, this, &ChatSession::onTurnStarted);
    connect(m_store, &ChatStore::conversationOpened, this, [this](const ConversationInfo& info, const QList<ChatMessage>& path) {
        if (m_opensPending == 0) return;
        --m_opensPending;
        m_info = info;
        m_path = path;
        emit conversationChanged(m_info);
        emit pathChanged(m_path);
    });
}

ChatSession::~ChatSession()
{
    if (m_reply.active && m_reply.message.id != 0) {
        m_bridge->stop(m_reply.ticket);
        onFinished(m_reply.ticket, {}, MessageStatus::Stopped, {});
    }
}

void ChatSession::newConversation()
{
    stop();
    m_info = {};
    m_unsavedSettings = false;
    m_path.clear();
    emit conversationChanged(m_info);
    emit pathChanged(m_path);
}

void ChatSession::openConversation(qint64 conversationId)
{
    stop();
    ++m_opensPending;
    m_store->openConversation(conversationId);
}

bool ChatSession::canStart()
{
    if (m_reply.active) {
        emit notice(tr("A reply is still being written: stop it first (Esc)."));
        return false;
    }
    if (!m_bridge->isLoaded()) {
        emit notice(m_bridge->isLoading() ? tr("The model is still loading.")
                                          : tr("No model is loaded. Open Models to choose or download one."));
        return false;
    }
    return true;
}

GenerationRequest ChatSession::chosenSettings() const
{
    const ConversationSettings& c = m_info.settings;
    GenerationRequest r;
    r.sampling.temperature = float(c.temperature >= 0 ? c.temperature : m_global.value(QStringLiteral("chat.temperature"), 0.7).toDouble());
    r.sampling.topP = float(c.topP >= 0 ? c.topP : m_global.value(QStringLiteral("chat.top_p"), 0.95).toDouble());
    r.sampling.topK = c.topK >= 0 ? c.topK : m_global.value(QStringLiteral("chat.top_k"), 0).toInt();
    r.sampling.minP = float(m_global.value(QStringLiteral("chat.min_p"), 0.0).toDouble());
    r.sampling.repetitionPenalty = float(m_global.value(QStringLiteral("chat.repetition_penalty"), 1.0).toDouble());
    r.maxTokens = c.maxTokens > 0 ? c.maxTokens : m_global.value(QStringLiteral("chat.max_tokens"), 2048).toInt();
    return r;
}

QString ChatSession::settingsRecord(const GenerationRequest& r)
{
    // Six decimals: the floats the engine takes would otherwise read 0.699999988 in the record.
    const auto v = [](float x) { return std::round(double(x) * 1e6) / 1e6; };
    QJsonObject o;
    o[QStringLiteral("temperature")] = v(r.sampling.temperature);
    o[QStringLiteral("top_p")] = v(r.sampling.topP);
    o[QStringLiteral("top_k")] = r.sampling.topK;
    o[QStringLiteral("min_p")] = v(r.sampling.minP);
    o[QStringLiteral("repetition_penalty")] = v(r.sampling.repetitionPenalty);
    o[QStringLiteral("max_tokens")] = r.maxTokens;
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

bool ChatSession::send(const QString& text)
{
    if (text.trimmed().isEmpty() || !canStart()) return false;
    beginReply();
    const qint64 parent = m_path.isEmpty() ? 0 : m_path.last().id;
    m_store->startTurn(m_reply.tag, m_info.id, parent, text.trimmed(), m_bridge->modelName(), settingsRecord(m_reply.request));
    emit generatingChanged(true);
    return true;
}

void ChatSession::regenerate(qint64 replyId)
{
    if (!canStart()) return;
    beginReply();
    m_store->startRegenerate(m_reply.tag, replyId, m_bridge->modelName(), settingsRecord(m_reply.request));
    emit generatingChanged(true);
}

void ChatSession::editAndResend(qint64 messageId, const QString& text)
{
    if (text.trimmed().isEmpty() || !canStart()) return;
    beginReply();
    m_store->startEdit(m_reply.tag, messageId, text.trimmed(), m_bridge->modelName(), settingsRecord(m_reply.request));
    emit generatingChanged(true);
}

void ChatSession::beginReply()
{
    m_reply = {};
    m_reply.active = true;
    m_reply.tag = m_nextTag++;
    m_reply.request = chosenSettings();  // what is stored with the reply is what generates it
}

void ChatSession::stepSibling(qint64 messageId, int delta)
{
    if (m_reply.active) {
        emit notice(tr("Wait for the reply to finish, or stop it (Esc), to switch versions."));
        return;
    }
    for (const ChatMessage& m : std::as_const(m_path)) {
        if (m.id != messageId) continue;
        const qint64 target = delta < 0 ? m.previousSiblingId : m.nextSiblingId;
        if (target == 0) return;
        ++m_opensPending;
        m_store->switchBranch(target);
        return;
    }
}

void ChatSession::saveConversation(const ConversationInfo& info)
{
    const qint64 id = m_info.id;
    m_info = info;
    m_info.id = id;
    m_unsavedSettings = id == 0;
    if (id != 0) m_store->saveConversation(m_info);
    emit conversationChanged(m_info);
}

void ChatSession::stop()
{
    if (!m_reply.active) return;
    m_reply.stopRequested = true;
    if (m_reply.ticket != 0) m_bridge->stop(m_reply.ticket);
}

void ChatSession::onTurnStarted(qint64 tag, const ConversationInfo& info, const QList<ChatMessage>& path)
{
    if (!m_reply.active || tag != m_reply.tag || path.isEmpty()) return;
    if (m_unsavedSettings) {  // settings chosen before the chat existed
        ConversationInfo chosen = m_info;
        chosen.id = info.id;
        if (chosen.title.isEmpty()) chosen.title = info.title;
        m_unsavedSettings = false;
        m_store->saveConversation(chosen);
        m_info = chosen;
    } else {
        m_info = info;
    }
    m_path = path;
    m_reply.message = path.last();
    emit conversationChanged(m_info);
    emit pathChanged(m_path);
    if (m_reply.stopRequested) {  // Esc before the engine was even asked
        onFinished(0, {}, MessageStatus::Stopped, {});
        return;
    }

    GenerationRequest request = m_reply.request;
    request.turns = path.mid(0, path.size() - 1);
    request.systemPrompt = m_info.settings.systemPrompt.isEmpty()
                               ? m_global.value(QStringLiteral("chat.system_prompt")).toString()
                               : m_info.settings.systemPrompt;
    request.sampling.seed = quint64(QDateTime::currentMSecsSinceEpoch());
    m_reply.sinceStart.start();
    m_reply.sinceSave.start();
    EngineRequest* engine = m_bridge->generate(request);
    const quint64 ticket = engine->ticket();
    m_reply.ticket = ticket;
    connect(engine, &EngineRequest::started, this, [this, ticket](qint64 promptTokens, const QString& prefix) {
        if (ticket != m_reply.ticket) return;
        m_reply.promptTokens = promptTokens;
        if (!prefix.isEmpty()) {
            m_reply.raw += prefix;
            emit replyText(m_reply.message.id, prefix);
        }
    });
    connect(engine, &EngineRequest::token, this, [this, ticket](const QString& text) { onToken(ticket, text); });
    connect(engine, &EngineRequest::finished, this,
            [this, ticket](const MessageStats& stats, MessageStatus status) { onFinished(ticket, stats, status, {}); });
    connect(engine, &EngineRequest::failed, this,
            [this, ticket](const QString& message) { onFinished(ticket, {}, MessageStatus::Error, message); });
}

void ChatSession::onToken(quint64 ticket, const QString& text)
{
    if (!m_reply.active || ticket != m_reply.ticket) return;
    if (m_reply.tokens == 0) m_reply.firstTokenMs = double(m_reply.sinceStart.nsecsElapsed()) / 1e6;
    m_reply.raw += text;
    ++m_reply.tokens;
    if (!text.isEmpty()) emit replyText(m_reply.message.id, text);
    if (m_reply.tokens - m_reply.savedTokens >= kSaveEveryTokens || m_reply.sinceSave.elapsed() >= kSaveEveryMs)
        saveProgress();
    else if (!m_saveTimer.isActive())
        m_saveTimer.start();
    const double decodeMs = double(m_reply.sinceStart.nsecsElapsed()) / 1e6 - m_reply.firstTokenMs;
    const double rate = m_reply.tokens > 1 && decodeMs > 0 ? (m_reply.tokens - 1) * 1000.0 / decodeMs : 0;
    emit liveStats(m_reply.promptTokens + m_reply.tokens, rate);
}

void ChatSession::saveProgress()
{
    const ThinkingSplit split = ThinkingSplit::split(m_reply.raw);
    m_store->updateReply(m_reply.message.id, split.answer, split.reasoning, m_reply.tokens);
    m_reply.savedTokens = m_reply.tokens;
    m_reply.sinceSave.restart();
    m_saveTimer.stop();
}

void ChatSession::onFinished(quint64 ticket, const MessageStats& stats, MessageStatus status, const QString& error)
{
    if (!m_reply.active || ticket != m_reply.ticket) return;
    ChatMessage reply = m_reply.message;
    const ThinkingSplit split = ThinkingSplit::split(m_reply.raw);
    reply.content = split.answer;
    reply.reasoning = split.reasoning;
    reply.status = status;
    reply.error = error;
    reply.stats = stats;
    if (reply.stats.generatedTokens == 0) reply.stats.generatedTokens = m_reply.tokens;
    if (reply.stats.timeToFirstTokenMs == 0) reply.stats.timeToFirstTokenMs = m_reply.firstTokenMs;
    if (reply.stats.promptTokens == 0) reply.stats.promptTokens = m_reply.promptTokens;
    m_saveTimer.stop();
    m_store->finishReply(reply);
    const bool shown = !m_path.isEmpty() && m_path.last().id == reply.id;
    if (shown) m_path.last() = reply;
    m_reply = {};
    if (shown) emit messageUpdated(reply);
    emit generatingChanged(false);
    if (status == MessageStatus::Error) emit notice(error);
}

}  // namespace fathom::app
