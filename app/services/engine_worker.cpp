// Runs on EngineBridge's thread. Engine events arrive on the engine's own thread and leave as
// signals, which reach the GUI through EngineBridge's queued connections.
#include "app/services/engine_worker.h"

#ifdef FATHOM_HAVE_SERVER
#include "app/server/background_server.h"
#else
namespace fathom::server {
class BackgroundServer {};  // this build has none; m_server stays empty
}  // namespace fathom::server
#endif

#include "app/remote/remote_backend.h"
#include "app/services/completion_sink.h"
#include "inference/tokenizer/tokenizer.h"

#include <QMetaObject>

#include <exception>

namespace fathom::app {

// One per request: the engine calls it on its thread; it only forwards.
class EngineWorker::Sink final : public inference::EventSink {
public:
    Sink(EngineWorker* worker, quint64 ticket) : m_worker(worker), m_ticket(ticket) {}
    void onToken(std::uint64_t, const inference::TokenEvent& event) override { m_worker->relayToken(m_ticket, event.text); }
    void onDone(std::uint64_t, const inference::DoneStats& stats) override { m_worker->relayDone(m_ticket, stats); }
    void onError(std::uint64_t, const std::string& message) override { m_worker->relayError(m_ticket, message); }

private:
    EngineWorker* m_worker;
    quint64 m_ticket;
};

EngineWorker::EngineWorker(ModelLoader loader, std::atomic<bool>* cancelLoad)
    : m_loader(std::move(loader)), m_cancelLoad(cancelLoad)
{
}

EngineWorker::~EngineWorker()
{
    // The server's requests use the engine: stop it first. The engine joins its thread here; sinks
    // must outlive it, so drop the engine next.
    m_server.reset();
    m_model = {};
    m_sinks.clear();
}

void EngineWorker::unload()
{
    dropRemote();
    stopLocalServer();
    m_model = {};
    m_folder.clear();
    m_sinks.clear();
    m_engineIds.clear();
}

void EngineWorker::scanModels()
{
    emit modelsFound(ModelLocator::findModels());
}

void EngineWorker::load(const QString& folder, const inference::EngineOptions& options)
{
    unload();
    int lastPercent = -1;
    const inference::LoadProgress progress = [this, &lastPercent](double fraction, const std::string& stage) {
        const int percent = int(fraction * 100);
        if (percent != lastPercent) {  // at most 101 signals, however often the engine reports
            lastPercent = percent;
            emit loadProgress(fraction, QString::fromStdString(stage));
        }
        return !m_cancelLoad->load();
    };
    try {
        LoadedModel model = m_loader(folder, options, progress);
        if (m_cancelLoad->load()) {
            emit loadFailed(tr("Loading %1 was cancelled.").arg(folder), true);
            return;
        }
        m_model = std::move(model);
        m_folder = folder;
        const inference::ModelInfo& info = m_model.engine->info();
        emit loaded(QString::fromStdString(info.name), QString::fromStdString(info.backendName), info.contextLength);
        restartLocalServer();
    } catch (const std::exception& e) {
        emit loadFailed(QString::fromUtf8(e.what()), m_cancelLoad->load());
    }
}

void EngineWorker::setLocalServer(bool enabled, int port)
{
    if (enabled == m_serverEnabled && port == m_serverPort && (m_server || !enabled)) return;
    m_serverEnabled = enabled;
    m_serverPort = port;
    restartLocalServer();
}

void EngineWorker::stopLocalServer()
{
    if (!m_server) return;
    m_server.reset();  // cancels its requests within one decode step and joins its threads
    emit localServerChanged(0, m_serverEnabled ? tr("The local API server stops while no local model is loaded.") : QString());
}

void EngineWorker::restartLocalServer()
{
    m_server.reset();
    if (!m_serverEnabled) {
        emit localServerChanged(0, QString());
        return;
    }
    if (!m_model.engine) {
        emit localServerChanged(0, m_remote ? tr("The local API server serves local models only; this one is remote.")
                                            : tr("The local API server starts when a local model is loaded."));
        return;
    }
#ifdef FATHOM_HAVE_SERVER
    try {
        m_server = std::make_unique<server::BackgroundServer>(*m_model.engine, m_folder.toStdString(), m_serverPort);
        emit localServerChanged(m_server->port(), QString());
    } catch (const std::exception& e) {
        emit localServerChanged(0, tr("The local API server could not start: %1").arg(QString::fromUtf8(e.what())));
    }
#else
    emit localServerChanged(0, tr("This build of Fathom has no local API server (it was built without cpp-httplib)."));
#endif
}

void EngineWorker::dropRemote()
{
    m_remoteCompletions.clear();
    if (RemoteBackend* remote = m_remote.release()) {
        remote->disconnect(this);
        delete remote;  // closes its streams; their tickets get no more signals
    }
}

void EngineWorker::connectRemote(const RemoteEndpoint& endpoint)
{
    unload();
    m_remote = std::make_unique<RemoteBackend>(endpoint);
    RemoteBackend* remote = m_remote.get();
    connect(remote, &RemoteBackend::ready, this, &EngineWorker::loaded);
    connect(remote, &RemoteBackend::connectFailed, this, [this](const QString& message) {
        // Not deleted inside its own signal: dropped once this call has returned.
        if (m_remote) m_remote.release()->deleteLater();
        emit loadFailed(message, false);
    });
    connect(remote, &RemoteBackend::text, this, &EngineWorker::token);
    connect(remote, &RemoteBackend::notice, this, &EngineWorker::notice);
    connect(remote, &RemoteBackend::finished, this,
            [this](quint64 ticket, const MessageStats& stats, MessageStatus status, const QString& message) {
                const bool completion = m_remoteCompletions.remove(ticket);
                if (status == MessageStatus::Error || (status == MessageStatus::Interrupted && completion))
                    emit failed(ticket, message);  // the editor keeps no broken suggestion
                else if (status == MessageStatus::Interrupted)
                    emit interrupted(ticket, stats, message);
                else
                    emit finished(ticket, stats, status);
            });
    remote->connectToServer();
}

void EngineWorker::generate(quint64 ticket, const GenerationRequest& request)
{
    if (m_remote) {
        emit started(ticket, 0, QString());  // the server counts the prompt; its usage chunk says
        m_remote->chat(ticket, request.turns, request.systemPrompt, request.sampling, request.maxTokens);
        return;
    }
    if (!m_model.engine) {
        emit failed(ticket, tr("No model is loaded. Open the model manager to choose one."));
        return;
    }
    inference::Request r;
    try {
        r.promptTokens = m_model.encoder->encode(request.turns, request.systemPrompt);
    } catch (const std::exception& e) {
        emit failed(ticket, QString::fromUtf8(e.what()));
        return;
    }
    r.sampling = request.sampling;
    r.maxTokens = request.maxTokens;
    r.stopStrings = m_model.encoder->stopStrings();
    r.priority = inference::Priority::Normal;
    emit started(ticket, qint64(r.promptTokens.size()), QString::fromStdString(m_model.encoder->replyPrefix()));
    auto sink = std::make_unique<Sink>(this, ticket);
    inference::EventSink* raw = sink.get();
    m_sinks.emplace(ticket, std::move(sink));
    try {
        m_engineIds[ticket] = m_model.engine->submit(std::move(r), raw);
    } catch (const std::exception& e) {
        m_sinks.erase(ticket);
        emit failed(ticket, QString::fromUtf8(e.what()));
    }
}

void EngineWorker::complete(quint64 ticket, const CompletionRequest& request)
{
    if (m_remote) {
        emit started(ticket, 0, QString());
        m_remoteCompletions.insert(ticket);
        m_remote->complete(ticket, request);
        return;
    }
    if (!m_model.engine || !m_model.completer) {
        emit failed(ticket, m_model.engine ? tr("The loaded model cannot complete code (its tokenizer could not be read).")
                                           : tr("No model is loaded. Open the model manager to choose one."));
        return;
    }
    inference::Request r;
    try {
        r = m_model.completer->build(request);
    } catch (const std::exception& e) {
        emit failed(ticket, QString::fromUtf8(e.what()));
        return;
    }
    emit started(ticket, qint64(r.promptTokens.size()), QString());
    const inference::Tokenizer* tokenizer = &m_model.completer->tokenizer();
    auto sink = std::make_unique<CompletionSink>(this, ticket, m_model.completer->makeDecoder(), m_model.engine.get(),
                                                 [tokenizer](std::int32_t id) { return tokenizer->isSpecial(id); });
    inference::EventSink* raw = sink.get();
    m_sinks.emplace(ticket, std::move(sink));
    try {
        m_engineIds[ticket] = m_model.engine->submit(std::move(r), raw);
    } catch (const std::exception& e) {
        m_sinks.erase(ticket);
        emit failed(ticket, QString::fromUtf8(e.what()));
    }
}

void EngineWorker::stop(quint64 ticket)
{
    if (m_remote) {
        m_remote->cancel(ticket);
        return;
    }
    const auto it = m_engineIds.find(ticket);
    if (it != m_engineIds.end() && m_model.engine) m_model.engine->cancel(it->second);
}

void EngineWorker::forget(quint64 ticket)
{
    // Sinks die on this thread, after the engine has finished calling them.
    QMetaObject::invokeMethod(this, [this, ticket] {
        m_sinks.erase(ticket);
        m_engineIds.erase(ticket);
    }, Qt::QueuedConnection);
}

void EngineWorker::relayToken(quint64 ticket, const std::string& text)
{
    // Every token is reported, text or not, so counts and rates stay true.
    emit token(ticket, QString::fromUtf8(text.data(), qsizetype(text.size())));
}

void EngineWorker::relayDone(quint64 ticket, const inference::DoneStats& stats)
{
    MessageStats out;
    out.promptTokens = stats.promptTokens;
    out.generatedTokens = stats.generatedTokens;
    out.timeToFirstTokenMs = stats.timeToFirstTokenMs;
    out.tokensPerSecond = stats.tokensPerSecond;
    out.cachedPromptTokens = stats.cachedPromptTokens;
    const MessageStatus status = stats.reason == inference::FinishReason::Cancelled ? MessageStatus::Stopped
                                 : stats.reason == inference::FinishReason::Error   ? MessageStatus::Error
                                                                                     : MessageStatus::Complete;
    emit finished(ticket, out, status);
    forget(ticket);
}

void EngineWorker::relayError(quint64 ticket, const std::string& message)
{
    emit failed(ticket, QString::fromUtf8(message.data(), qsizetype(message.size())));
    forget(ticket);
}

}  // namespace fathom::app
