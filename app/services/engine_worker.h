// The engine bridge's half that lives on the bridge thread: loads the model (slow, blocking),
// encodes prompts and submits them, and relays the engine's events as signals. Only EngineBridge
// uses it, always through queued calls.
#pragma once

#include "app/remote/remote_types.h"
#include "app/services/chat_types.h"
#include "app/services/completion_prompter.h"
#include "app/services/completion_types.h"
#include "app/services/model_locator.h"
#include "app/services/prompt_encoder.h"
#include "inference/engine/engine.h"

#include <QObject>
#include <QSet>

#include <atomic>
#include <functional>
#include <map>
#include <memory>

namespace fathom::server {
class BackgroundServer;
}

namespace fathom::app {

class RemoteBackend;

struct LoadedModel {
    std::unique_ptr<inference::Engine> engine;
    std::unique_ptr<PromptEncoder> encoder;
    std::unique_ptr<CompletionPrompter> completer;  // editor completions (FIM or chat-style); may be null
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
    // An editor completion at Priority::Interactive; answers through the same signals as generate.
    void complete(quint64 ticket, const CompletionRequest& request);
    void stop(quint64 ticket);
    void unload();
    void scanModels();
    // Replaces the loaded model with a model on an OpenAI-compatible server (app/remote): loaded()
    // once the server lists it, loadFailed() if it does not answer or lacks it.
    void connectRemote(const RemoteEndpoint& endpoint);
    // Deletes the remote backend on this thread (the bridge calls it as its thread ends).
    void dropRemote();
    // The "Local API server" setting: while on, the loaded local model is also served on
    // http://127.0.0.1:PORT/v1 (app/server, as `fathom-cli serve`); localServerChanged answers.
    void setLocalServer(bool enabled, int port);

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
    // A remote reply whose stream broke after text arrived: that text stands, marked interrupted.
    void interrupted(quint64 ticket, const fathom::app::MessageStats& stats, const QString& message);
    void notice(quint64 ticket, const QString& text);   // e.g. a remote server asked to wait (429)
    // The local server's state: port > 0 while it listens; otherwise message says why not ("" = off).
    void localServerChanged(int port, const QString& message);

private:
    class Sink;
    void forget(quint64 ticket);
    void restartLocalServer();
    void stopLocalServer();

    ModelLoader m_loader;
    std::atomic<bool>* m_cancelLoad;
    LoadedModel m_model;
    std::map<quint64, std::unique_ptr<inference::EventSink>> m_sinks;  // live requests, by ticket
    std::map<quint64, std::uint64_t> m_engineIds;         // ticket -> engine request id
    std::unique_ptr<RemoteBackend> m_remote;              // set instead of m_model for a remote model
    QSet<quint64> m_remoteCompletions;                    // its tickets that are editor completions
    QString m_folder;                                     // the loaded local model's folder
    bool m_serverEnabled = false;
    int m_serverPort = 8080;
    std::unique_ptr<server::BackgroundServer> m_server;   // over m_model.engine; stopped before it goes
};

}  // namespace fathom::app
