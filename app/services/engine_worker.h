// The engine bridge's half that lives on the bridge thread: loads the model (slow, blocking),
// encodes prompts and submits them, and relays the engine's events as signals. Only EngineBridge
// uses it, always through queued calls.
#pragma once

#include "app/services/chat_types.h"
#include "app/services/model_locator.h"
#include "app/services/prompt_encoder.h"
#include "inference/engine/engine.h"

#include <QObject>

#include <atomic>
#include <functional>
#include <map>
#include <memory>

namespace fathom::app {

struct LoadedModel {
    std::unique_ptr<inference::Engine> engine;
    std::unique_ptr<PromptEncoder> encoder;
};

// Loads a model folder; throws fathom::Error (or returns after progress() said stop, by throwing).
using ModelLoader = std::function<LoadedModel(const QString& folder, const inference::EngineOptions& options,
                                              const inference::LoadProgress& progress)>;

struct GenerationRequest {
    QList<ChatMessage> turns;    // the conversation so far, oldest first, ending with the user turn
    QString systemPrompt;
    inference::SamplingParams sampling;
    int maxTokens = 512;
};

class EngineWorker final : public QObject {
    Q_OBJECT
public:
    EngineWorker(ModelLoader loader, std::atomic<bool>* cancelLoad);
    ~EngineWorker() override;

    void load(const QString& folder, const inference::EngineOptions& options);
    void generate(quint64 ticket, const GenerationRequest& request);
    void stop(quint64 ticket);
    void unload();
    void scanModels();

    // Called from the engine's thread by the request sinks.
    void relayToken(quint64 ticket, const std::string& text);
    void relayDone(quint64 ticket, const inference::DoneStats& stats);
    void relayError(quint64 ticket, const std::string& message);

signals:
    void modelsFound(const QList<fathom::app::LocalModel>& models);
    void loadProgress(double fraction, const QString& stage);
    void loaded(const QString& name, const QString& backend, qint64 contextLength);
    void loadFailed(const QString& message, bool cancelled);
    void started(quint64 ticket, qint64 promptTokens, const QString& replyPrefix);
    void token(quint64 ticket, const QString& text);
    void finished(quint64 ticket, const fathom::app::MessageStats& stats, fathom::app::MessageStatus status);
    void failed(quint64 ticket, const QString& message);

private:
    class Sink;
    void forget(quint64 ticket);

    ModelLoader m_loader;
    std::atomic<bool>* m_cancelLoad;
    LoadedModel m_model;
    std::map<quint64, std::unique_ptr<Sink>> m_sinks;     // live requests, by ticket
    std::map<quint64, std::uint64_t> m_engineIds;         // ticket -> engine request id
};

}  // namespace fathom::app
