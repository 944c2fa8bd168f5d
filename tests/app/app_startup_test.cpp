// AppStartup without widgets: the real ChatStore (storage's worker thread on a temp SQLite file),
// the real model scan, and an EngineBridge whose loader the test controls. Each test checks the
// states it passes through and what it asked the services for.
#include "app/services/app_startup.h"
#include "app/services/chat_session.h"
#include "app/services/chat_store.h"
#include "app/services/engine_bridge.h"
#include "base/error.h"
#include "storage/conversation_store.h"
#include "storage/database.h"
#include "storage/settings.h"

#include <QSemaphore>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <memory>
#include <mutex>

using namespace fathom;
using State = app::AppStartup::State;

namespace {

const QString kModel = QStringLiteral(FATHOM_SOURCE_DIR "/resources/models/fathom-tiny-coder");

// What the engine was asked to load, written on the bridge's thread.
struct LoadLog {
    std::mutex mutex;
    QStringList folders;
    qint64 contextLength = 0;
    QSemaphore release{0};     // a blocking loader waits here
    bool block = false;
};

// Fails every load (after recording it), or waits for the test first when `block` is set.
app::ModelLoader recordingLoader(std::shared_ptr<LoadLog> log)
{
    return [log](const QString& folder, const inference::EngineOptions& options, const inference::LoadProgress&) {
        {
            std::lock_guard lock(log->mutex);
            log->folders << folder;
            log->contextLength = options.contextLength;
        }
        if (log->block) log->release.acquire();
        throw Error(ErrorKind::UserInput, "test loader: no weights in " + folder.toStdString());
        return app::LoadedModel{};
    };
}

// The services as main() builds them, with a start-up whose states are recorded.
struct Services {
    explicit Services(app::ModelLoader loader) : bridge(std::move(loader)) {}
    app::ChatStore store;
    app::EngineBridge bridge;
    app::ChatSession session{&store, &bridge};
    app::AppStartup startup{&store, &bridge, &session};
    QList<State> states;

    void start(const app::AppStartup::Options& options)
    {
        QObject::connect(&startup, &app::AppStartup::stateChanged, &startup, [this](State s) { states << s; });
        startup.start(options);
    }
    bool waitReady() { return QTest::qWaitFor([this] { return startup.isReady(); }, 30000); }
};

}  // namespace

class AppStartupTest final : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    int m_dbCount = 0;

    QString freshDatabase() { return m_dir.filePath(QStringLiteral("chats-%1.sqlite3").arg(++m_dbCount)); }

    static app::AppStartup::Options options(const QString& db, qint64 conversation = 0, bool loadModel = true)
    {
        app::AppStartup::Options o;
        o.databasePath = db;
        o.openConversation = conversation;
        o.loadDefaultModel = loadModel;
        return o;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        qputenv("FATHOM_EMBEDDED_MODEL", kModel.toLocal8Bit());
        qputenv("HF_HUB_CACHE", m_dir.filePath(QStringLiteral("empty-hub")).toLocal8Bit());
    }

    // The engine settings reach the engine: weights quantized at load, the GPU memory cap in GiB.
    void engineSettingsBecomeEngineOptions()
    {
        QVariantMap s;
        s[QStringLiteral("engine.weights")] = QStringLiteral("q4");
        s[QStringLiteral("engine.gpu_memory_limit_gib")] = 12.0;
        s[QStringLiteral("engine.backend")] = QStringLiteral("cuda");
        const inference::EngineOptions o = app::AppStartup::engineOptions(s);
        QCOMPARE(o.weights, inference::WeightFormat::Q4);
        QCOMPARE(o.gpuMemoryLimitBytes, std::size_t(12) << 30);
        QCOMPARE(o.backend, inference::Backend::Cuda);
        const inference::EngineOptions d = app::AppStartup::engineOptions({});
        QCOMPARE(d.weights, inference::WeightFormat::AsStored);
        QCOMPARE(d.gpuMemoryLimitBytes, std::size_t(0));
    }

    void walksTheStatesInOrderAndLoadsTheEmbeddedModel()
    {
        auto log = std::make_shared<LoadLog>();
        Services s(recordingLoader(log));
        QSignalSpy ready(&s.startup, &app::AppStartup::ready);
        bool loadingWhenLoadingModel = false;  // what the window's progress bar relies on
        connect(&s.startup, &app::AppStartup::stateChanged, this, [&](State state) {
            if (state == State::LoadingModel) loadingWhenLoadingModel = s.bridge.isLoading();
        });
        s.start(options(freshDatabase()));
        QCOMPARE(s.startup.state(), State::OpeningDatabase);
        QVERIFY(s.waitReady());
        QCOMPARE(ready.count(), 1);
        // ScanningModels only shows when the scan is slower than the chats.
        s.states.removeAll(State::ScanningModels);
        QCOMPARE(s.states, (QList<State>{State::OpeningDatabase, State::ReadingChats, State::LoadingModel, State::Ready}));
        QVERIFY(s.startup.isDatabaseOpen());
        QVERIFY(s.startup.databaseError().isEmpty());
        QVERIFY(loadingWhenLoadingModel);
        std::lock_guard lock(log->mutex);
        QCOMPARE(log->folders, QStringList{QFileInfo(kModel).canonicalFilePath()});
        QCOMPARE(s.startup.defaultModelFolder(), QFileInfo(kModel).canonicalFilePath());
    }

    void storedSettingsReachTheSessionAndTheEngineOptions()
    {
        const QString db = freshDatabase();
        const QString other = m_dir.filePath(QStringLiteral("other-model"));
        {
            storage::Database database(db.toStdString());
            storage::Settings settings(database);
            settings.setInt("chat.context_length", 1234);
            settings.setString("model.default", other.toStdString());
        }
        auto log = std::make_shared<LoadLog>();
        Services s(recordingLoader(log));
        s.start(options(db));
        QVERIFY(s.waitReady());
        QCOMPARE(s.startup.settings().value(QStringLiteral("chat.context_length")).toLongLong(), 1234);
        std::lock_guard lock(log->mutex);
        QCOMPARE(log->folders, QStringList{other});  // the stored default wins over the embedded model
        QCOMPARE(log->contextLength, 1234);
    }

    void staysLoadingUntilTheModelLoadAnswers()
    {
        auto log = std::make_shared<LoadLog>();
        log->block = true;
        Services s(recordingLoader(log));
        s.start(options(freshDatabase()));
        QTRY_COMPARE_WITH_TIMEOUT(s.startup.state(), State::LoadingModel, 30000);
        QTest::qWait(200);
        QCOMPARE(s.startup.state(), State::LoadingModel);  // the load has not answered yet
        QVERIFY(s.bridge.isLoading());
        log->release.release();
        QVERIFY(s.waitReady());
        QVERIFY(!s.bridge.isLoaded());
    }

    void opensTheConversationAskedForAndCountsInterruptedReplies()
    {
        const QString db = freshDatabase();
        qint64 conversation = 0;
        {
            storage::Database database(db.toStdString());
            storage::ConversationStore store(database);
            conversation = store.createConversation("cut short");
            const auto q = store.addMessage(conversation, 0, storage::MessageRole::User, "Count to ten.");
            const auto r = store.beginReply(conversation, q, "fathom-tiny-coder", "{}");
            store.updateReply(r, "one two", "", 2);  // never finished: the process died
        }
        Services s(recordingLoader(std::make_shared<LoadLog>()));
        QSignalSpy opened(&s.startup, &app::AppStartup::databaseOpened);
        s.start(options(db, conversation, false));
        QVERIFY(s.waitReady());
        QCOMPARE(opened.count(), 1);
        QCOMPARE(opened.first().first().toInt(), 1);
        QCOMPARE(s.session.conversationId(), conversation);
        QCOMPARE(s.session.path().size(), 2);
        QCOMPARE(s.session.path().last().status, app::MessageStatus::Interrupted);
    }

    void aConversationThatIsGoneDoesNotStopStartUp()
    {
        Services s(recordingLoader(std::make_shared<LoadLog>()));
        QSignalSpy failed(&s.store, &app::ChatStore::failed);
        s.start(options(freshDatabase(), 999, false));
        QVERIFY(s.waitReady());
        QCOMPARE(failed.count(), 1);
        QVERIFY(s.startup.isDatabaseOpen());
        QCOMPARE(s.session.conversationId(), 0);
    }

    void aDatabaseThatCannotOpenStillReachesReadyWithTheModel()
    {
        auto log = std::make_shared<LoadLog>();
        Services s(recordingLoader(log));
        QSignalSpy failed(&s.startup, &app::AppStartup::databaseFailed);
        const QString db = m_dir.filePath(QStringLiteral("no-such-folder/chats.sqlite3"));
        s.start(options(db));
        QVERIFY(s.waitReady());
        QCOMPARE(failed.count(), 1);
        QVERIFY(!s.startup.isDatabaseOpen());
        QVERIFY2(s.startup.databaseError().contains(QStringLiteral("no-such-folder")), qPrintable(s.startup.databaseError()));
        QVERIFY(!s.states.contains(State::ReadingChats));
        QVERIFY(s.startup.settings().isEmpty());
        std::lock_guard lock(log->mutex);
        QCOMPARE(log->folders.size(), 1);  // the embedded model still loads
    }

    void withoutADefaultModelItIsReadyAfterTheScan()
    {
        auto log = std::make_shared<LoadLog>();
        Services s(recordingLoader(log));
        s.start(options(freshDatabase(), 0, false));
        QVERIFY(s.waitReady());
        QVERIFY(!s.states.contains(State::LoadingModel));
        std::lock_guard lock(log->mutex);
        QVERIFY(log->folders.isEmpty());
    }

    void loadsTheRealTinyModelWithTheAppsLoader()
    {
        Services s(app::ModelLoader{});  // EngineBridge::defaultLoader(): the CPU engine
        s.start(options(freshDatabase()));
        QVERIFY(s.waitReady());
        QVERIFY(s.bridge.isLoaded());
        QCOMPARE(s.bridge.modelFolder(), QFileInfo(kModel).canonicalFilePath());
    }

    void startsOnlyOnce()
    {
        Services s(recordingLoader(std::make_shared<LoadLog>()));
        s.start(options(freshDatabase(), 0, false));
        QVERIFY(s.waitReady());
        s.startup.start(options(freshDatabase()));
        QCOMPARE(s.startup.state(), State::Ready);
        QCOMPARE(s.states.count(State::OpeningDatabase), 1);
    }
};

QTEST_GUILESS_MAIN(AppStartupTest)
#include "app_startup_test.moc"
