// The desktop app's start-up as explicit states, on the GUI thread and never waiting: open the
// database -> read the settings, the conversation list and the conversation asked for -> (the model
// scan, started at once, has answered) -> load the default model -> Ready. The main window only
// observes it; tests drive it with the real storage worker and no widgets (tests/app).
#pragma once

#include "app/services/model_locator.h"
#include "inference/engine/engine.h"

#include <QList>
#include <QObject>
#include <QString>
#include <QVariantMap>

#include <deque>

namespace fathom::app {

class ChatSession;
class ChatStore;
class EngineBridge;

class AppStartup final : public QObject {
    Q_OBJECT
public:
    // Reached in this order; a state whose work is already done is passed through at once (the
    // scan usually answers while the chats are read, so ScanningModels is often skipped).
    enum class State { NotStarted, OpeningDatabase, ReadingChats, ScanningModels, LoadingModel, Ready };
    Q_ENUM(State)

    struct Options {
        QString databasePath;          // its folder must exist
        qint64 openConversation = 0;   // 0 = start on a new chat
        bool loadDefaultModel = true;  // the stored model.default, else the embedded model
    };

    AppStartup(ChatStore* store, EngineBridge* bridge, ChatSession* session, QObject* parent = nullptr);

    // Once; the answers move it along.
    void start(const Options& options);

    State state() const { return m_state; }
    bool isReady() const { return m_state == State::Ready; }
    bool isDatabaseOpen() const { return m_databaseOpen; }
    // Why the database could not be opened (empty when it opened or was not tried yet).
    QString databaseError() const { return m_databaseError; }
    // The settings read at start (empty when the database failed), as handed to the session.
    const QVariantMap& settings() const { return m_settings; }
    // The folder LoadingModel asked the engine for ("" = none was chosen).
    QString defaultModelFolder() const { return m_defaultModel; }

    // Engine options from the stored settings (engine.backend, engine.cpu_threads,
    // chat.context_length): used for the default model and for every model the person picks.
    static inference::EngineOptions engineOptions(const QVariantMap& settings);

signals:
    void stateChanged(fathom::app::AppStartup::State state);
    void databaseOpened(int interruptedReplies);
    void databaseFailed(const QString& message);
    void ready();

private:
    enum class Read { Settings, List, Conversation };

    void setState(State state);
    void answered(Read read);
    void afterChats();
    void loadDefaultModel();
    void finishWhenIdle();

    ChatStore* m_store;
    EngineBridge* m_bridge;
    ChatSession* m_session;
    Options m_options;
    State m_state = State::NotStarted;
    // Store reads not answered yet, oldest first. The storage thread runs jobs in order, so a
    // failure answers the oldest one.
    std::deque<Read> m_pending;
    bool m_databaseOpen = false;
    bool m_scanned = false;
    QString m_databaseError;
    QVariantMap m_settings;
    QList<LocalModel> m_models;
    QString m_defaultModel;
};

}  // namespace fathom::app
