// The remote backend: what the engine bridge's thread uses instead of inference::Engine when the
// chosen model lives on an OpenAI-compatible server (vLLM, SGLang, DeepSeek's API, ...). Chat goes
// to /chat/completions, editor completions to /completions with `suffix` (fill-in-the-middle) while
// the server accepts it, else to a chat-style prompt; every request streams (RemoteStream) and is
// cancelled by closing its connection. Fully asynchronous on the thread it lives on.
#pragma once

#include "app/remote/reasoning_folder.h"
#include "app/remote/remote_model_lister.h"
#include "app/remote/remote_types.h"
#include "app/services/chat_types.h"
#include "app/services/completion_types.h"
#include "inference/engine/engine.h"

#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QObject>

#include <map>

namespace fathom::app {

class RemoteStream;

class RemoteBackend final : public QObject {
    Q_OBJECT
public:
    static constexpr int kIdleTimeoutMs = 180000;  // no byte for this long: the request is given up

    explicit RemoteBackend(const RemoteEndpoint& endpoint, QObject* parent = nullptr);
    ~RemoteBackend() override;

    const RemoteEndpoint& endpoint() const { return m_endpoint; }
    // Checks that the server answers and serves the model: ready() or connectFailed() follows.
    void connectToServer();
    void chat(quint64 ticket, const QList<ChatMessage>& turns, const QString& systemPrompt,
              const inference::SamplingParams& sampling, int maxTokens);
    void complete(quint64 ticket, const CompletionRequest& request);
    // Closes the request's stream; finished(..., Stopped) follows. Unknown tickets: no-op.
    void cancel(quint64 ticket);

    // What a request body looks like (tests read them).
    QJsonObject chatBody(const QList<ChatMessage>& turns, const QString& systemPrompt,
                         const inference::SamplingParams& sampling, int maxTokens) const;
    QJsonObject fimBody(const CompletionRequest& request) const;
    QJsonObject chatCompletionBody(const CompletionRequest& request) const;

signals:
    void ready(const QString& name, const QString& backend, qint64 contextLength);
    void connectFailed(const QString& message);
    void text(quint64 ticket, const QString& text);
    void notice(quint64 ticket, const QString& text);
    void finished(quint64 ticket, const fathom::app::MessageStats& stats, fathom::app::MessageStatus status,
                  const QString& message);

private:
    enum class Fim { Unknown, Yes, No };
    RemoteStream* startStream(quint64 ticket, const QString& path, const QJsonObject& body, ReasoningFolder::Mode mode);
    void completeWithChat(quint64 ticket, const CompletionRequest& request);

    RemoteEndpoint m_endpoint;
    QNetworkAccessManager m_network;
    RemoteModelLister m_lister;
    std::map<quint64, RemoteStream*> m_streams;  // live requests, children of this object
    Fim m_fim = Fim::Unknown;
};

}  // namespace fathom::app
