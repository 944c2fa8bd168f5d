// Download control against the fake hub: pause / resume / cancel, a service restart that resumes from
// the SQLite journal, progress signals, and a real full disk (a small tmpfs, when run as root).
#include "app/hub/download_manager.h"
#include "app/hub/download_service.h"
#include "app/hub/sqlite_download_journal.h"
#include "storage/database.h"
#include "storage/download_records.h"
#include "tests/hub/fake_hub_process.h"
#include "tests/hub/hub_test_util.h"

#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include <gtest/gtest.h>

#include <memory>
#include <sys/mount.h>
#include <unistd.h>

using namespace fathom;
using namespace fathom::test;
using app::DownloadManager;

namespace {

class HubControl : public ::testing::Test {
protected:
    void SetUp() override
    {
        ensureApp();
        m_files = {{"config.json", QByteArray("{}\n")}, {"model.safetensors", randomBytes(800000, 7)}};
        m_hub = std::make_unique<FakeHub>(QStringLiteral("org/tiny"), m_files);
        m_cache = m_tmp.path() + QStringLiteral("/hub");
    }

    std::unique_ptr<DownloadManager> makeManager() const
    {
        auto m = std::make_unique<DownloadManager>(app::HubCache(m_cache), app::HubEndpoint(m_hub->url(), {}));
        DownloadManager::Options o;
        o.stallTimeoutMs = 5000;  // holds below must not count as stalls
        o.retryBaseMs = 20;
        o.progressIntervalMs = 50;
        m->setOptions(o);
        return m;
    }

    QString partialPath() const
    {
        return m_cache + QStringLiteral("/models--org--tiny/blobs/") + sha256Hex(m_files.value("model.safetensors")) +
               QStringLiteral(".incomplete");
    }
    QString snapshotFile(const QString& path) const
    {
        return m_cache + QStringLiteral("/models--org--tiny/snapshots/") + m_hub->commit() + u'/' + path;
    }

    // Holds model.safetensors after `bytes`, starts the job, and waits until those bytes are on disk.
    void startAndHold(DownloadManager& m, qint64 bytes)
    {
        m_hub->setFaults(QJsonObject{{"faults", QJsonObject{{"model.safetensors", QJsonObject{{"hold_after", bytes}}}}}});
        m.download(QStringLiteral("org/tiny"));
        ASSERT_TRUE(waitFor([&]() { return fileSize(partialPath()) == bytes; })) << fileSize(partialPath());
    }

    QTemporaryDir m_tmp;
    QMap<QString, QByteArray> m_files;
    std::unique_ptr<FakeHub> m_hub;
    QString m_cache;
};

TEST_F(HubControl, pauseKeepsThePartialFileAndResumeContinuesFromIt)
{
    auto m = makeManager();
    QList<DownloadManager::JobState> states;
    QObject::connect(m.get(), &DownloadManager::jobStateChanged, [&](const QString&, DownloadManager::JobState s, const QString&) {
        states.append(s);
    });
    startAndHold(*m, 300000);
    const QString id = DownloadManager::jobId(QStringLiteral("org/tiny"), QStringLiteral("main"));
    m->pause(id);
    EXPECT_EQ(states.last(), DownloadManager::JobState::Paused);
    m_hub->release();
    m_hub->setFaults({});
    waitFor([]() { return false; }, 200);  // a paused job does nothing
    EXPECT_EQ(fileSize(partialPath()), 300000);
    const JobOutcome r = runJob(*m, [&]() { m->resume(id); });
    ASSERT_TRUE(r.finished) << qPrintable(r.message);
    EXPECT_EQ(m_hub->rangesRequested("model.safetensors"), (QStringList{"", "bytes=300000-"}));
    EXPECT_EQ(m_hub->bytesServed("model.safetensors"), 800000);
    EXPECT_EQ(readAll(snapshotFile("model.safetensors")), m_files.value("model.safetensors"));
}

TEST_F(HubControl, cancelStopsAndDeletesThePartialFiles)
{
    auto m = makeManager();
    startAndHold(*m, 200000);
    DownloadManager::JobState last = DownloadManager::JobState::Downloading;
    QObject::connect(m.get(), &DownloadManager::jobStateChanged, [&](const QString&, DownloadManager::JobState s, const QString&) {
        last = s;
    });
    m->cancel(DownloadManager::jobId(QStringLiteral("org/tiny"), QStringLiteral("main")));
    EXPECT_EQ(last, DownloadManager::JobState::Cancelled);
    waitFor([]() { return false; }, 100);
    EXPECT_FALSE(QFileInfo::exists(partialPath()));
    EXPECT_FALSE(QFileInfo::exists(snapshotFile("model.safetensors")));
}

TEST_F(HubControl, restartedServiceResumesFromSqliteState)
{
    const std::string dbPath = (m_tmp.path() + QStringLiteral("/fathom.db")).toStdString();
    {
        storage::Database db(dbPath);
        app::SqliteDownloadJournal journal(db);
        auto m = makeManager();
        m->setJournal(&journal);
        startAndHold(*m, 350000);
        // The journal knows the file, its hash and size, and that it is running.
        const auto rows = storage::DownloadRecords(db).forRepo("org/tiny");
        ASSERT_EQ(rows.size(), 2u);
        const auto& model = rows[0].path == "model.safetensors" ? rows[0] : rows[1];
        EXPECT_EQ(model.state, "active");
        EXPECT_EQ(model.sha256, sha256Hex(m_files.value("model.safetensors")).toStdString());
        EXPECT_EQ(model.size, 800000);
        EXPECT_EQ(model.commit, m_hub->commit().toStdString());
    }  // the app quits mid-file (manager and database closed, nothing finished)
    m_hub->release();
    m_hub->setFaults({});
    storage::Database db(dbPath);
    app::SqliteDownloadJournal journal(db);
    auto m = makeManager();
    m->setJournal(&journal);
    QStringList ids;
    const JobOutcome r = runJob(*m, [&]() { ids = m->restoreFromJournal(); });
    EXPECT_EQ(ids, QStringList{QStringLiteral("org/tiny@main")});
    ASSERT_TRUE(r.finished) << qPrintable(r.message);
    EXPECT_EQ(m_hub->bytesServed("model.safetensors"), 800000);  // the first 350000 bytes were not fetched again
    EXPECT_EQ(m_hub->rangesRequested("model.safetensors").last(), QStringLiteral("bytes=350000-"));
    EXPECT_EQ(readAll(snapshotFile("model.safetensors")), m_files.value("model.safetensors"));
    EXPECT_TRUE(storage::DownloadRecords(db).forRepo("org/tiny").empty());  // done: the cache says it now
}

TEST_F(HubControl, pausedJobComesBackPausedAfterRestart)
{
    const std::string dbPath = (m_tmp.path() + QStringLiteral("/fathom.db")).toStdString();
    {
        storage::Database db(dbPath);
        app::SqliteDownloadJournal journal(db);
        auto m = makeManager();
        m->setJournal(&journal);
        startAndHold(*m, 100000);
        m->pause(DownloadManager::jobId(QStringLiteral("org/tiny"), QStringLiteral("main")));
    }
    m_hub->release();
    m_hub->setFaults({});
    storage::Database db(dbPath);
    app::SqliteDownloadJournal journal(db);
    auto m = makeManager();
    m->setJournal(&journal);
    DownloadManager::JobState state = DownloadManager::JobState::Resolving;
    QObject::connect(m.get(), &DownloadManager::jobStateChanged, [&](const QString&, DownloadManager::JobState s, const QString&) {
        state = s;
    });
    EXPECT_EQ(m->restoreFromJournal().size(), 1);
    EXPECT_EQ(state, DownloadManager::JobState::Paused);
    const JobOutcome r = runJob(*m, [&]() { m->resume(QStringLiteral("org/tiny@main")); });
    ASSERT_TRUE(r.finished) << qPrintable(r.message);
    EXPECT_EQ(m_hub->bytesServed("model.safetensors"), 800000);
}

TEST_F(HubControl, reportsFileProgressSpeedAndEta)
{
    m_hub->setFaults(QJsonObject{{"faults", QJsonObject{{"model.safetensors",
                                                         QJsonObject{{"stall_after", 400000}, {"stall_seconds", 0.3}}}}}});
    auto m = makeManager();
    QList<qint64> fileDone;
    double bestSpeed = 0;
    qint64 lastTotal = 0, lastEta = -2;
    QObject::connect(m.get(), &DownloadManager::fileProgress, [&](const QString&, const QString& path, qint64 done, qint64 total) {
        if (path == u"model.safetensors") {
            fileDone.append(done);
            EXPECT_EQ(total, 800000);
        }
    });
    QObject::connect(m.get(), &DownloadManager::jobProgress, [&](const QString&, qint64, qint64 total, double speed, qint64 eta) {
        lastTotal = total;
        bestSpeed = std::max(bestSpeed, speed);
        if (speed > 0)
            lastEta = eta;
    });
    const JobOutcome r = runJob(*m, [&]() { m->download(QStringLiteral("org/tiny")); });
    ASSERT_TRUE(r.finished) << qPrintable(r.message);
    ASSERT_GE(fileDone.size(), 2);  // a value mid-file (during the pause) and the end
    EXPECT_EQ(fileDone.last(), 800000);
    EXPECT_TRUE(std::is_sorted(fileDone.begin(), fileDone.end()));
    EXPECT_EQ(lastTotal, 800003);
    EXPECT_GT(bestSpeed, 0);
    EXPECT_GE(lastEta, 0);
}

TEST_F(HubControl, serviceRunsDownloadsOnAWorkerThreadAndListsAndDeletesModels)
{
    app::DownloadService::Config config;
    config.cacheRoot = m_cache;
    config.endpoint = m_hub->url();
    config.token.clear();
    config.databasePath = m_tmp.path() + QStringLiteral("/fathom.db");
    app::DownloadService service(config);
    QThread* guiThread = QThread::currentThread();
    bool finished = false, onGuiThread = true;
    QList<app::CachedModel> installed;
    int listings = 0;
    QObject::connect(&service, &app::DownloadService::jobProgress, [&](const QString&, qint64, qint64, double, qint64) {
        onGuiThread = onGuiThread && QThread::currentThread() == guiThread;
    });
    QObject::connect(&service, &app::DownloadService::jobFinished, [&](const QString& id, const QString& dir) {
        onGuiThread = onGuiThread && QThread::currentThread() == guiThread;
        finished = id == u"org/tiny@main" && dir.endsWith(m_hub->commit());
    });
    QObject::connect(&service, &app::DownloadService::installedModels, [&](const QList<app::CachedModel>& models) {
        installed = models;
        ++listings;
    });
    service.download(QStringLiteral("org/tiny"));
    ASSERT_TRUE(waitFor([&]() { return finished; }));
    EXPECT_TRUE(onGuiThread);  // signals arrive queued on the thread that owns the service
    service.refreshInstalled();
    ASSERT_TRUE(waitFor([&]() { return listings == 1; }));
    ASSERT_EQ(installed.size(), 1);
    EXPECT_EQ(installed[0].repo, "org/tiny");
    EXPECT_EQ(installed[0].diskBytes, 800000 + 3 + 40);  // two blobs and refs/main
    EXPECT_EQ(installed[0].refs.value("main"), m_hub->commit());
    service.deleteModel(QStringLiteral("org/tiny"));
    ASSERT_TRUE(waitFor([&]() { return listings == 2; }));
    EXPECT_TRUE(installed.isEmpty());
    EXPECT_FALSE(QFileInfo::exists(m_cache + QStringLiteral("/models--org--tiny")));
}

// A real full disk: a 256 KiB tmpfs (needs root to mount; skipped with the reason otherwise). The
// free-space check is told there is room (as if another program filled the disk after it), so the
// write itself hits ENOSPC.
TEST_F(HubControl, fullDiskWhileWritingIsAClearError)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "mounting a small tmpfs needs root; the free-space check is covered by "
                        "notEnoughFreeSpaceFailsBeforeAnyContentIsFetched";
    const QString mnt = m_tmp.path() + QStringLiteral("/small");
    QDir().mkpath(mnt);
    if (::mount("tmpfs", mnt.toLocal8Bit().constData(), "tmpfs", 0, "size=256k") != 0)
        GTEST_SKIP() << "cannot mount a tmpfs here (container without CAP_SYS_ADMIN)";
    struct Unmount {
        QString dir;
        ~Unmount() { ::umount2(dir.toLocal8Bit().constData(), MNT_DETACH); }
    } unmount{mnt};
    auto m = std::make_unique<DownloadManager>(app::HubCache(mnt), app::HubEndpoint(m_hub->url(), {}));
    DownloadManager::Options o;
    o.retryBaseMs = 20;
    m->setOptions(o);
    m->setFreeSpaceProvider([](const QString&) { return qint64(1) << 40; });
    const JobOutcome r = runJob(*m, [&]() { m->download(QStringLiteral("org/tiny")); });
    ASSERT_TRUE(r.failed);
    EXPECT_TRUE(r.message.contains(QStringLiteral("the disk is full"))) << qPrintable(r.message);
    EXPECT_TRUE(r.message.contains(QStringLiteral("model.safetensors"))) << qPrintable(r.message);
    EXPECT_TRUE(r.retries.isEmpty());  // a full disk is not retried blindly
    EXPECT_FALSE(QFileInfo::exists(mnt + QStringLiteral("/models--org--tiny/snapshots/") + m_hub->commit() +
                                   QStringLiteral("/model.safetensors")));
}

TEST_F(HubControl, realFreeSpaceCheckRefusesAFullTmpfs)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "mounting a small tmpfs needs root";
    const QString mnt = m_tmp.path() + QStringLiteral("/small");
    QDir().mkpath(mnt);
    if (::mount("tmpfs", mnt.toLocal8Bit().constData(), "tmpfs", 0, "size=256k") != 0)
        GTEST_SKIP() << "cannot mount a tmpfs here";
    struct Unmount {
        QString dir;
        ~Unmount() { ::umount2(dir.toLocal8Bit().constData(), MNT_DETACH); }
    } unmount{mnt};
    auto m = std::make_unique<DownloadManager>(app::HubCache(mnt), app::HubEndpoint(m_hub->url(), {}));
    const JobOutcome r = runJob(*m, [&]() { m->download(QStringLiteral("org/tiny")); });  // QStorageInfo
    ASSERT_TRUE(r.failed);
    EXPECT_TRUE(r.message.contains(QStringLiteral("not enough disk space"))) << qPrintable(r.message);
    EXPECT_EQ(m_hub->bytesServed("model.safetensors"), 0);
}

}  // namespace
