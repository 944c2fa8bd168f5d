// Wiring only: requests go to the worker's thread with queued invokes, the worker's signals come
// back through explicitly queued connections and are handed to the one EngineRequest they name.
#include "app/services/engine_bridge.h"

namespace fathom::app {

EngineBridge::EngineBridge(ModelLoader loader, QObject* parent) : QObject(parent)
{
    qRegisterMetaType<fathom::app::MessageStats>();
    qRegisterMetaType<fathom::app::MessageStatus>();
    m_thread.setObjectName(QStringLiteral("fathom-engine-bridge"));
    m_worker = new EngineWorker(loader ? std::move(loader) : defaultLoader(), &m_cancelLoad);
    m_worker->moveToThread(&m_thread);

    qRegisterMetaType<QList<fathom::app::LocalModel>>();
    const auto q = Qt::QueuedConnection;
    connect(m_worker, &EngineWorker::modelsFound, this, &EngineBridge::modelsFound, q);
    connect(m_worker, &EngineWorker::loadProgress, this, &EngineBridge::loadProgress, q);
    connect(m_worker, &EngineWorker::loaded, this, [this](const QString& name, const QString& backend, qint64 ctx) {
        m_loading = false;
        m_loaded = true;
        m_modelName = name;
        m_backendName = backend;
        m_contextLength = ctx;
        emit modelLoaded(name, backend, ctx);
    }, q);
    connect(m_worker, &EngineWorker::loadFailed, this, [this](const QString& message, bool cancelled) {
        m_loading = false;
        m_modelFolder.clear();
        emit modelLoadFailed(message, cancelled);
    }, q);
    connect(m_worker, &EngineWorker::started, this, [this](quint64 ticket, qint64 promptTokens, const QString& prefix) {
        if (EngineRequest* r = request(ticket)) emit r->started(promptTokens, prefix);
    }, q);
    connect(m_worker, &EngineWorker::token, this, [this](quint64 ticket, const QString& text) {
        if (EngineRequest* r = request(ticket)) emit r->token(text);
    }, q);
    connect(m_worker, &EngineWorker::finished, this, [this](quint64 ticket, const MessageStats& stats, MessageStatus status) {
        if (EngineRequest* r = take(ticket)) emit r->finished(stats, status);
    }, q);
    connect(m_worker, &EngineWorker::failed, this, [this](quint64 ticket, const QString& message) {
        if (EngineRequest* r = take(ticket)) emit r->failed(message);
    }, q);
    connect(m_worker, &EngineWorker::interrupted, this, [this](quint64 ticket, const MessageStats& stats, const QString& message) {
        if (EngineRequest* r = take(ticket)) emit r->interrupted(stats, message);
    }, q);
    connect(m_worker, &EngineWorker::notice, this, [this](quint64 ticket, const QString& text) {
        if (EngineRequest* r = request(ticket)) emit r->notice(text);
        emit backendNotice(ticket, text);
    }, q);
    connect(m_worker, &EngineWorker::localServerChanged, this, [this](int port, const QString& message) {
        m_serverPort = port;
        emit localServerChanged(port, message);
    }, q);
    // The remote backend's sockets belong to the bridge thread: delete it there, as the thread ends.
    connect(&m_thread, &QThread::finished, m_worker, [w = m_worker] { w->dropRemote(); }, Qt::DirectConnection);
    m_thread.start();
}

EngineBridge::~EngineBridge()
{
    // A load in progress stops at its next progress report; then the thread ends and the worker
    // (and with it the engine) is destroyed here, with its thread no longer running.
    m_cancelLoad.store(true);
    m_thread.quit();
    m_thread.wait();
    delete m_worker;
}

void EngineBridge::scanModels()
{
    QMetaObject::invokeMethod(m_worker, [w = m_worker] { w->scanModels(); }, Qt::QueuedConnection);
}

void EngineBridge::loadModel(const QString& folder, const inference::EngineOptions& options)
{
    m_loading = true;
    m_modelFolder = folder;
    m_loaded = false;
    m_cancelLoad.store(false);
    QMetaObject::invokeMethod(m_worker, [w = m_worker, folder, options] { w->load(folder, options); },
                              Qt::QueuedConnection);
}

void EngineBridge::connectRemote(const RemoteEndpoint& endpoint)
{
    m_loading = true;
    m_modelFolder = endpoint.ref();
    m_loaded = false;
    QMetaObject::invokeMethod(m_worker, [w = m_worker, endpoint] { w->connectRemote(endpoint); }, Qt::QueuedConnection);
}

void EngineBridge::setLocalServer(bool enabled, int port)
{
    QMetaObject::invokeMethod(m_worker, [w = m_worker, enabled, port] { w->setLocalServer(enabled, port); }, Qt::QueuedConnection);
}

void EngineBridge::cancelLoad()
{
    m_cancelLoad.store(true);
}

EngineRequest* EngineBridge::open()
{
    auto* r = new EngineRequest(m_nextTicket++, this);
    m_requests.emplace(r->ticket(), r);
    return r;
}

EngineRequest* EngineBridge::request(quint64 ticket) const
{
    const auto it = m_requests.find(ticket);
    return it == m_requests.end() ? nullptr : it->second.data();
}

EngineRequest* EngineBridge::take(quint64 ticket)
{
    const auto it = m_requests.find(ticket);
    if (it == m_requests.end()) return nullptr;
    EngineRequest* r = it->second.data();
    m_requests.erase(it);
    if (r) r->deleteLater();  // after the finishing signal this call's caller emits
    return r;
}

EngineRequest* EngineBridge::generate(const GenerationRequest& request)
{
    EngineRequest* r = open();
    QMetaObject::invokeMethod(m_worker, [w = m_worker, ticket = r->ticket(), request] { w->generate(ticket, request); },
                              Qt::QueuedConnection);
    return r;
}

EngineRequest* EngineBridge::complete(const CompletionRequest& request)
{
    EngineRequest* r = open();
    QMetaObject::invokeMethod(m_worker, [w = m_worker, ticket = r->ticket(), request] { w->complete(ticket, request); },
                              Qt::QueuedConnection);
    return r;
}

void EngineBridge::stop(quint64 ticket)
{
    QMetaObject::invokeMethod(m_worker, [w = m_worker, ticket] { w->stop(ticket); }, Qt::QueuedConnection);
}

}  // namespace fathom::app
