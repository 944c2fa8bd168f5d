// Runs on EngineBridge's thread. Engine events arrive on the engine's own thread and leave as
// signals, which reach the GUI through EngineBridge's queued connections.
#include "app/services/engine_worker.h"

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
    // The engine joins its thread here; sinks must outlive it, so drop the engine first.
    m_model = {};
    m_sinks.clear();
}

void EngineWorker::unload()
{
    m_model = {};
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
        const inference::ModelInfo& info = m_model.engine->info();
        emit loaded(QString::fromStdString(info.name), QString::fromStdString(info.backendName), info.contextLength);
    } catch (const std::exception& e) {
        emit loadFailed(QString::fromUtf8(e.what()), m_cancelLoad->load());
    }
}

void EngineWorker::generate(quint64 ticket, const GenerationRequest& request)
{
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

void EngineWorker::stop(quint64 ticket)
{
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
