// The GUI's handle on the inference engine. The engine runs on its own thread (and this bridge keeps
// one more for loading and prompt encoding); every call here returns at once and every answer comes
// back as a queued signal, so the GUI thread never waits on the engine. A reply's or completion's
// events go to its own EngineRequest, not to every listener.
#pragma once

#include "app/services/engine_request.h"
#include "app/services/engine_worker.h"

#include <QObject>
#include <QThread>

#include <QPointer>

#include <atomic>
#include <map>

namespace fathom::app {

class EngineBridge final : public QObject {
    Q_OBJECT
public:
    // `loader` defaults to the real one (inference::Engine::load + the model's tokenizer and chat
    // template); tests pass their own.
    explicit EngineBridge(ModelLoader loader = {}, QObject* parent = nullptr);
    ~EngineBridge() override;

    static ModelLoader defaultLoader();

    // Looks for models on disk (off the GUI thread); modelsFound answers.
    void scanModels();
    void loadModel(const QString& folder, const inference::EngineOptions& options);
    // Uses a model on an OpenAI-compatible server instead (app/remote); modelFolder() is then the
    // endpoint's ref ("remote:<server>/<model>") and modelLoaded / modelLoadFailed answer as for a load.
    void connectRemote(const RemoteEndpoint& endpoint);
    // Stops a load in progress at its next progress report (modelLoadFailed(..., true) follows).
    void cancelLoad();
    // The "Local API server" setting (server.enabled, server.port): serve the loaded local model on
    // http://127.0.0.1:PORT/v1 as `fathom-cli serve` does, through this same engine and queue;
    // it follows model loads. localServerChanged answers.
    void setLocalServer(bool enabled, int port);
    int localServerPort() const { return m_serverPort; }  // 0 while it does not listen
    // Starts a reply. Its events arrive on the returned request, never before the caller is back
    // in the event loop, so connecting right after the call misses nothing.
    EngineRequest* generate(const GenerationRequest& request);
    // Starts an editor completion (FIM, Priority::Interactive), answering the same way.
    EngineRequest* complete(const CompletionRequest& request);
    // Stops a request within one decode step; its finished(..., Stopped) follows.
    void stop(quint64 ticket);
    // The request still running under `ticket`, or null once it has finished or failed.
    EngineRequest* request(quint64 ticket) const;

    bool isLoading() const { return m_loading; }
    bool isLoaded() const { return m_loaded; }
    QString modelName() const { return m_modelName; }
    QString modelFolder() const { return m_modelFolder; }
    QString backendName() const { return m_backendName; }
    qint64 contextLength() const { return m_contextLength; }

signals:
    void modelsFound(const QList<fathom::app::LocalModel>& models);
    void loadProgress(double fraction, const QString& stage);
    void modelLoaded(const QString& name, const QString& backend, qint64 contextLength);
    void modelLoadFailed(const QString& message, bool cancelled);
    // Something the person should know while a request waits (a remote server's 429 Retry-After);
    // the request itself hears it too (EngineRequest::notice).
    void backendNotice(quint64 ticket, const QString& text);
    // port > 0: listening; otherwise `message` says why not ("" = switched off).
    void localServerChanged(int port, const QString& message);

private:
    EngineRequest* open();
    // Removes the request from the routing table; it is deleted once its last signal is out.
    EngineRequest* take(quint64 ticket);

    QThread m_thread;
    EngineWorker* m_worker = nullptr;    // lives on m_thread
    std::atomic<bool> m_cancelLoad{false};
    quint64 m_nextTicket = 1;
    std::map<quint64, QPointer<EngineRequest>> m_requests;  // running requests, by ticket
    bool m_loading = false;
    bool m_loaded = false;
    int m_serverPort = 0;
    QString m_modelName;
    QString m_modelFolder;
    QString m_backendName;
    qint64 m_contextLength = 0;
};

}  // namespace fathom::app
