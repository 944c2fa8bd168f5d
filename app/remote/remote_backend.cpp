// Request bodies follow the OpenAI API; top_k, min_p and repetition_penalty are vLLM and SGLang
// extensions and are sent only when set, so strict servers do not reject them.
#include "app/remote/remote_backend.h"

#include "app/remote/remote_errors.h"
#include "app/remote/remote_stream.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkRequest>

namespace fathom::app {

namespace {

// The editor's budgets are in tokens; with no tokenizer for a remote model, ~3 characters per
// token of code keeps the prompt inside them.
constexpr int kCharsPerToken = 3;

QString lastChars(const QString& text, qsizetype n) { return text.size() <= n ? text : text.right(n); }
QString firstChars(const QString& text, qsizetype n) { return text.left(n); }

}  // namespace

RemoteBackend::RemoteBackend(const RemoteEndpoint& endpoint, QObject* parent)
    : QObject(parent), m_endpoint(endpoint), m_lister(&m_network)
{
    qRegisterMetaType<fathom::app::MessageStats>();
    qRegisterMetaType<fathom::app::MessageStatus>();
    connect(&m_lister, &RemoteModelLister::listed, this, [this](quint64, const QList<RemoteModelInfo>& models) {
        QStringList names;
        for (const RemoteModelInfo& m : models) {
            if (m.id == m_endpoint.model) {
                emit ready(m.id, tr("Remote: %1").arg(m_endpoint.serverName.isEmpty() ? RemoteErrors::hostOf(m_endpoint.baseUrl)
                                                                                         : m_endpoint.serverName),
                           m.contextLength);
                return;
            }
            names << m.id;
        }
        emit connectFailed(tr("The server %1 has no model named “%2”; it serves: %3. Choose one in Settings → Models → "
                              "Remote server (Test connection lists them).")
                               .arg(RemoteErrors::hostOf(m_endpoint.baseUrl), m_endpoint.model,
                                    names.isEmpty() ? tr("none") : names.join(QStringLiteral(", "))));
    });
    connect(&m_lister, &RemoteModelLister::failed, this, [this](quint64, const QString& message) { emit connectFailed(message); });
}

RemoteBackend::~RemoteBackend()
{
    for (auto& [ticket, stream] : m_streams) {
        stream->disconnect(this);
        delete stream;  // closes its connection
    }
}

void RemoteBackend::connectToServer()
{
    m_lister.list(m_endpoint);
}

QJsonObject RemoteBackend::chatBody(const QList<ChatMessage>& turns, const QString& systemPrompt,
                                    const inference::SamplingParams& sampling, int maxTokens) const
{
    QJsonArray messages;
    auto add = [&](const char* role, const QString& content) {
        messages.append(QJsonObject{{QStringLiteral("role"), QString::fromLatin1(role)}, {QStringLiteral("content"), content}});
    };
    if (!systemPrompt.isEmpty()) add("system", systemPrompt);
    for (const ChatMessage& m : turns) {
        // Earlier replies go back as their answer only: R1's template drops old reasoning, and
        // DeepSeek's API rejects reasoning_content in requests.
        if (m.role == Role::Assistant && m.content.isEmpty()) continue;
        add(m.role == Role::User ? "user" : m.role == Role::System ? "system" : "assistant", m.content);
    }
    QJsonObject body{{QStringLiteral("model"), m_endpoint.model},
                     {QStringLiteral("messages"), messages},
                     {QStringLiteral("stream"), true},
                     {QStringLiteral("stream_options"), QJsonObject{{QStringLiteral("include_usage"), true}}},
                     {QStringLiteral("max_tokens"), maxTokens},
                     {QStringLiteral("temperature"), double(sampling.temperature)},
                     {QStringLiteral("top_p"), double(sampling.topP)}};
    if (sampling.topK > 0) body.insert(QStringLiteral("top_k"), sampling.topK);
    if (sampling.minP > 0) body.insert(QStringLiteral("min_p"), double(sampling.minP));
    if (sampling.repetitionPenalty != 1.0f) body.insert(QStringLiteral("repetition_penalty"), double(sampling.repetitionPenalty));
    // OpenAI's own penalties: every OpenAI-compatible server takes them.
    if (sampling.presencePenalty != 0.0f) body.insert(QStringLiteral("presence_penalty"), double(sampling.presencePenalty));
    if (sampling.frequencyPenalty != 0.0f) body.insert(QStringLiteral("frequency_penalty"), double(sampling.frequencyPenalty));
    return body;
}

QJsonObject RemoteBackend::fimBody(const CompletionRequest& request) const
{
    const int suffixChars = request.suffixBudget * kCharsPerToken;
    const int prefixChars = std::max(64, (request.promptBudget - request.suffixBudget) * kCharsPerToken);
    return {{QStringLiteral("model"), m_endpoint.model},
            {QStringLiteral("prompt"), lastChars(request.prefix, prefixChars)},
            {QStringLiteral("suffix"), firstChars(request.suffix, suffixChars)},
            {QStringLiteral("max_tokens"), request.maxTokens},
            {QStringLiteral("temperature"), 0},
            {QStringLiteral("stream"), true},
            {QStringLiteral("stream_options"), QJsonObject{{QStringLiteral("include_usage"), true}}}};
}

QJsonObject RemoteBackend::chatCompletionBody(const CompletionRequest& request) const
{
    // The same instruction local chat models get (CompletionPrompter::buildChat).
    const QString language = request.language.isEmpty() ? QStringLiteral("source") : request.language;
    const QString head = QStringLiteral("Complete the %1 code at <CURSOR>. Reply with only the code that goes at "
                                        "<CURSOR>, without explanations and without a code fence.\n\n").arg(language);
    const int suffixChars = request.suffixBudget * kCharsPerToken;
    const int prefixChars = std::max(64, (request.promptBudget - request.suffixBudget - 64) * kCharsPerToken);
    ChatMessage user;
    user.role = Role::User;
    user.content = head + lastChars(request.prefix, prefixChars) + QStringLiteral("<CURSOR>") + firstChars(request.suffix, suffixChars);
    inference::SamplingParams greedy;
    greedy.temperature = 0;
    return chatBody({user}, QString(), greedy, request.maxTokens);
}

RemoteStream* RemoteBackend::startStream(quint64 ticket, const QString& path, const QJsonObject& body, ReasoningFolder::Mode mode)
{
    QNetworkRequest request(m_endpoint.url(path));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setRawHeader("Accept", "text/event-stream");
    if (!m_endpoint.apiKey.isEmpty()) request.setRawHeader("Authorization", "Bearer " + m_endpoint.apiKey.toUtf8());
    request.setTransferTimeout(kIdleTimeoutMs);
    auto* stream = new RemoteStream(&m_network, request, QJsonDocument(body).toJson(QJsonDocument::Compact), mode,
                                    m_endpoint.model, this);
    m_streams[ticket] = stream;
    connect(stream, &RemoteStream::text, this, [this, ticket](const QString& t) { emit text(ticket, t); });
    connect(stream, &RemoteStream::notice, this, [this, ticket](const QString& t) { emit notice(ticket, t); });
    stream->start();
    return stream;
}

void RemoteBackend::chat(quint64 ticket, const QList<ChatMessage>& turns, const QString& systemPrompt,
                         const inference::SamplingParams& sampling, int maxTokens)
{
    RemoteStream* stream = startStream(ticket, QStringLiteral("chat/completions"),
                                       chatBody(turns, systemPrompt, sampling, maxTokens), ReasoningFolder::Mode::Fold);
    connect(stream, &RemoteStream::finished, this, [this, ticket, stream](const MessageStats& s, MessageStatus st, const QString& m) {
        m_streams.erase(ticket);
        stream->deleteLater();
        emit finished(ticket, s, st, m);
    });
}

void RemoteBackend::complete(quint64 ticket, const CompletionRequest& request)
{
    if (m_fim == Fim::No) {
        completeWithChat(ticket, request);
        return;
    }
    RemoteStream* stream = startStream(ticket, QStringLiteral("completions"), fimBody(request), ReasoningFolder::Mode::AnswerOnly);
    connect(stream, &RemoteStream::finished, this, [this, ticket, stream, request](const MessageStats& s, MessageStatus st, const QString& m) {
        m_streams.erase(ticket);
        stream->deleteLater();
        const int http = stream->httpStatus();
        // vLLM answers 400 "suffix is not currently supported"; servers without /completions 404 or
        // 405. Then this server gets chat-style prompts from now on.
        const bool rejected = st == MessageStatus::Error && !stream->receivedText() &&
                              (http == 400 || http == 404 || http == 405 || http == 422 || http == 501);
        if (rejected && m_fim == Fim::Unknown) {
            m_fim = Fim::No;
            completeWithChat(ticket, request);
            return;
        }
        if (st == MessageStatus::Complete) m_fim = Fim::Yes;
        emit finished(ticket, s, st, m);
    });
}

void RemoteBackend::completeWithChat(quint64 ticket, const CompletionRequest& request)
{
    RemoteStream* stream = startStream(ticket, QStringLiteral("chat/completions"), chatCompletionBody(request),
                                       ReasoningFolder::Mode::AnswerOnly);
    connect(stream, &RemoteStream::finished, this, [this, ticket, stream](const MessageStats& s, MessageStatus st, const QString& m) {
        m_streams.erase(ticket);
        stream->deleteLater();
        emit finished(ticket, s, st, m);
    });
}

void RemoteBackend::cancel(quint64 ticket)
{
    const auto it = m_streams.find(ticket);
    if (it != m_streams.end()) it->second->cancel();
}

}  // namespace fathom::app
