// Every answer is checked against the state it belongs to, so a late or unrelated answer (a search
// the person typed, a model they picked meanwhile) never moves start-up along by mistake.
#include "app/services/app_startup.h"

#include "app/remote/remote_connector.h"
#include "app/remote/remote_server_list.h"
#include "app/services/chat_session.h"
#include "app/services/chat_store.h"
#include "app/services/engine_bridge.h"

#include <algorithm>

namespace fathom::app {

AppStartup::AppStartup(ChatStore* store, EngineBridge* bridge, ChatSession* session, QObject* parent)
    : QObject(parent), m_store(store), m_bridge(bridge), m_session(session)
{
    connect(m_store, &ChatStore::opened, this, [this](int interrupted) {
        if (m_state != State::OpeningDatabase) return;
        m_databaseOpen = true;
        emit databaseOpened(interrupted);
        setState(State::ReadingChats);
        m_pending = {Read::Settings, Read::List};
        if (m_options.openConversation != 0) m_pending.push_back(Read::Conversation);
        m_store->loadSettings();
        m_store->listConversations();
        if (m_options.openConversation != 0) m_session->openConversation(m_options.openConversation);
    });
    connect(m_store, &ChatStore::failed, this, [this](const QString& message) {
        if (m_state == State::OpeningDatabase) {
            // The app still runs without its database: no history, default settings.
            m_databaseError = message;
            emit databaseFailed(message);
            afterChats();
        } else if (m_state == State::ReadingChats && !m_pending.empty()) {
            answered(m_pending.front());  // its default stays (no settings, empty list, new chat)
        }
    });
    connect(m_store, &ChatStore::settingsLoaded, this, [this](const QVariantMap& settings) {
        if (m_state != State::ReadingChats) return;
        m_settings = settings;
        m_session->setGlobalSettings(settings);
        if (m_remote) m_remote->setServers(RemoteServerList::fromJson(settings.value(QStringLiteral("remote.servers")).toString()));
        answered(Read::Settings);
    });
    connect(m_store, &ChatStore::conversationsListed, this, [this] {
        if (m_state == State::ReadingChats) answered(Read::List);
    });
    connect(m_session, &ChatSession::pathChanged, this, [this] {
        if (m_state == State::ReadingChats) answered(Read::Conversation);
    });
    connect(m_bridge, &EngineBridge::modelsFound, this, [this](const QList<LocalModel>& models) {
        if (m_scanned || m_state == State::NotStarted) return;
        m_scanned = true;
        m_models = models;
        if (m_state == State::ScanningModels) loadDefaultModel();
    });
    connect(m_bridge, &EngineBridge::modelLoaded, this, [this] {
        if (m_state == State::LoadingModel) finishWhenIdle();
    });
    connect(m_bridge, &EngineBridge::modelLoadFailed, this, [this] {
        if (m_state == State::LoadingModel) finishWhenIdle();
    });
}

void AppStartup::start(const Options& options)
{
    if (m_state != State::NotStarted) return;
    m_options = options;
    setState(State::OpeningDatabase);
    m_store->open(options.databasePath);
    m_bridge->scanModels();
}

inference::EngineOptions AppStartup::engineOptions(const QVariantMap& settings)
{
    inference::EngineOptions options;
    const QString backend = settings.value(QStringLiteral("engine.backend"), QStringLiteral("auto")).toString();
    options.backend = backend == QLatin1String("cpu")    ? inference::Backend::Cpu
                      : backend == QLatin1String("cuda") ? inference::Backend::Cuda
                                                          : inference::Backend::Auto;
    options.threads = settings.value(QStringLiteral("engine.cpu_threads"), 0).toInt();
    options.contextLength = settings.value(QStringLiteral("chat.context_length"), 4096).toLongLong();
    const QString weights = settings.value(QStringLiteral("engine.weights"), QStringLiteral("bf16")).toString();
    options.weights = weights == QLatin1String("q8")   ? inference::WeightFormat::Q8
                      : weights == QLatin1String("q4") ? inference::WeightFormat::Q4
                                                        : inference::WeightFormat::AsStored;
    const double gib = settings.value(QStringLiteral("engine.gpu_memory_limit_gib"), 0.0).toDouble();
    options.gpuMemoryLimitBytes = gib > 0 ? static_cast<std::size_t>(gib * double(1ull << 30)) : 0;
    return options;
}

void AppStartup::setState(State state)
{
    if (state == m_state) return;
    m_state = state;
    emit stateChanged(state);
    if (state == State::Ready) emit ready();
}

void AppStartup::answered(Read read)
{
    const auto it = std::find(m_pending.begin(), m_pending.end(), read);
    if (it == m_pending.end()) return;
    m_pending.erase(it);
    if (m_pending.empty()) afterChats();
}

void AppStartup::afterChats()
{
    if (m_scanned) loadDefaultModel();
    else setState(State::ScanningModels);
}

void AppStartup::setRemoteConnector(RemoteConnector* connector)
{
    m_remote = connector;
    // No key given, or the server is gone: nothing was asked of the bridge, so nothing else ends LoadingModel.
    connect(m_remote, &RemoteConnector::failed, this, [this] {
        if (m_state == State::LoadingModel) finishWhenIdle();
    });
}

void AppStartup::loadDefaultModel()
{
    if (m_options.loadDefaultModel) {
        m_defaultModel = m_settings.value(QStringLiteral("model.default")).toString();
        if (m_defaultModel.isEmpty())
            for (const LocalModel& m : std::as_const(m_models))
                if (m.embedded) m_defaultModel = m.folder;
    }
    if (m_defaultModel.isEmpty()) {
        finishWhenIdle();
        return;
    }
    // The bridge first, so whoever sees LoadingModel also sees the bridge loading.
    if (m_remote && RemoteEndpoint::isRef(m_defaultModel)) {
        // A keyless server connects at once; a key from the keyring arrives later (the bridge then loads).
        if (!m_remote->connectModel(m_defaultModel)) {
            finishWhenIdle();
            return;
        }
    } else {
        m_bridge->loadModel(m_defaultModel, engineOptions(m_settings));
    }
    setState(State::LoadingModel);
}

void AppStartup::finishWhenIdle()
{
    // A load the person started meanwhile is still part of what the window shows first.
    if (m_bridge->isLoading()) setState(State::LoadingModel);
    else setState(State::Ready);
}

}  // namespace fathom::app
