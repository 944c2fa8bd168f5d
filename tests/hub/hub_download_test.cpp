// The download manager against a fake hub on loopback: the HF cache layout, and every fault from
// docs/RELIABILITY.md ("Hub downloads") ending in a complete download or one clear error, never in a
// file in snapshots/ whose hash does not match.
#include "app/hub/download_manager.h"
#include "app/hub/hub_names.h"
#include "tests/hub/fake_hub_process.h"
#include "tests/hub/hub_test_util.h"

#include <QJsonArray>
#include <QTemporaryDir>

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

using namespace fathom;
using namespace fathom::test;
using app::DownloadManager;

namespace {

// The symlink's own text (relative), not the path it resolves to.
QString linkText(const QString& link)
{
    return QString::fromStdString(std::filesystem::read_symlink(link.toStdString()).string());
}

class HubDownload : public ::testing::Test {
protected:
    void SetUp() override
    {
        ensureApp();
        m_files = {{"config.json", QByteArray("{\"architectures\": [\"DeepseekV2ForCausalLM\"]}\n")},
                   {"model.safetensors", randomBytes(600000, 1)},
                   {"sub/tokenizer.json", randomBytes(3000, 2)},
                   {"weights-2.bin", randomBytes(200000, 3)}};
        m_hub = std::make_unique<FakeHub>(QStringLiteral("org/tiny"), m_files);
        m_cache = m_tmp.path() + QStringLiteral("/hub");
    }

    std::unique_ptr<DownloadManager> makeManager(const QString& token = {}) const
    {
        auto m = std::make_unique<DownloadManager>(app::HubCache(m_cache), app::HubEndpoint(m_hub->url(), token));
        DownloadManager::Options o;
        o.stallTimeoutMs = 700;
        o.retryBaseMs = 20;
        o.retryMaxMs = 200;
        o.maxParallelFiles = 3;
        o.progressIntervalMs = 50;
        m->setOptions(o);
        return m;
    }

    JobOutcome download(DownloadManager& m, const QStringList& include = {}, const QString& revision = QStringLiteral("main"))
    {
        return runJob(m, [&m, include, revision]() { m.download(QStringLiteral("org/tiny"), revision, include); });
    }

    QString repoDir() const { return m_cache + QStringLiteral("/models--org--tiny"); }
    QString etagOf(const QString& path) const
    {
        const QByteArray& d = m_files.value(path);
        return path.endsWith(QStringLiteral(".safetensors")) || path.endsWith(QStringLiteral(".bin")) ? sha256Hex(d) : gitBlobSha1(d);
    }
    QString blobOf(const QString& path) const { return repoDir() + QStringLiteral("/blobs/") + etagOf(path); }
    QString snapshotFile(const QString& path) const
    {
        return repoDir() + QStringLiteral("/snapshots/") + m_hub->commit() + u'/' + path;
    }

    // The promise that matters most: whatever is in snapshots/ has exactly the hash its blob is named by.
    void expectSnapshotsHashClean() const
    {
        for (const QString& rel : treeOf(repoDir() + QStringLiteral("/snapshots"))) {
            const QFileInfo fi(repoDir() + QStringLiteral("/snapshots/") + rel);
            if (fi.isDir())
                continue;
            ASSERT_TRUE(fi.isSymLink()) << qPrintable(rel);
            const QString blobName = QFileInfo(fi.symLinkTarget()).fileName();
            const QByteArray content = readAll(fi.absoluteFilePath());
            EXPECT_EQ(blobName.size() == 64 ? sha256Hex(content) : gitBlobSha1(content), blobName) << qPrintable(rel);
        }
    }

    QTemporaryDir m_tmp;
    QMap<QString, QByteArray> m_files;
    std::unique_ptr<FakeHub> m_hub;
    QString m_cache;
};

TEST_F(HubDownload, writesExactlyTheHuggingfaceHubCacheLayout)
{
    auto m = makeManager();
    const JobOutcome r = download(*m);
    ASSERT_TRUE(r.finished) << qPrintable(r.message);
    const QString c = m_hub->commit();
    EXPECT_EQ(r.snapshot, repoDir() + QStringLiteral("/snapshots/") + c);
    // The whole tree, as huggingface_hub leaves it: blobs named by etag, relative symlinks, refs/main.
    const QStringList expected = {
        QStringLiteral("blobs"),
        QStringLiteral("blobs/") + etagOf("config.json"),
        QStringLiteral("blobs/") + etagOf("model.safetensors"),
        QStringLiteral("blobs/") + etagOf("sub/tokenizer.json"),
        QStringLiteral("blobs/") + etagOf("weights-2.bin"),
        QStringLiteral("refs"),
        QStringLiteral("refs/main"),
        QStringLiteral("snapshots"),
        QStringLiteral("snapshots/") + c,
        QStringLiteral("snapshots/%1/config.json").arg(c),
        QStringLiteral("snapshots/%1/model.safetensors").arg(c),
        QStringLiteral("snapshots/%1/sub").arg(c),
        QStringLiteral("snapshots/%1/sub/tokenizer.json").arg(c),
        QStringLiteral("snapshots/%1/weights-2.bin").arg(c),
    };
    QStringList want = expected;
    want.sort();
    EXPECT_EQ(treeOf(repoDir()), want);
    EXPECT_EQ(readAll(repoDir() + QStringLiteral("/refs/main")), c.toLatin1());  // bare hash, no newline
    EXPECT_EQ(QFile::symLinkTarget(snapshotFile("config.json")), blobOf("config.json"));
    EXPECT_EQ(linkText(snapshotFile("sub/tokenizer.json")), QStringLiteral("../../../blobs/") + etagOf("sub/tokenizer.json"));
    EXPECT_EQ(linkText(snapshotFile("model.safetensors")), QStringLiteral("../../blobs/") + etagOf("model.safetensors"));
    for (auto it = m_files.begin(); it != m_files.end(); ++it)
        EXPECT_EQ(readAll(snapshotFile(it.key())), it.value()) << qPrintable(it.key());
    // huggingface_hub's lock folder sits beside the repos.
    EXPECT_TRUE(QFileInfo(m_cache + QStringLiteral("/.locks/models--org--tiny")).isDir());
}

TEST_F(HubDownload, secondDownloadOfAnInstalledRepoFetchesNoContent)
{
    auto m = makeManager();
    ASSERT_TRUE(download(*m).finished);
    const qint64 served = m_hub->bytesServed("model.safetensors");
    auto again = makeManager();
    ASSERT_TRUE(download(*again).finished);
    EXPECT_EQ(m_hub->bytesServed("model.safetensors"), served);
}

TEST_F(HubDownload, sendsTheTokenToTheHubButNeverToTheCdnHost)
{
    m_hub->setFaults(QJsonObject{{"require_token", "s3cret"}});
    auto m = makeManager(QStringLiteral("s3cret"));
    const JobOutcome r = download(*m);
    ASSERT_TRUE(r.finished) << qPrintable(r.message);
    int cdnRequests = 0;
    for (const QJsonValue& v : m_hub->stats().value(QStringLiteral("requests")).toArray()) {
        const QJsonObject req = v.toObject();
        if (req.value(QStringLiteral("path")).toString().startsWith(QStringLiteral("/_")))
            continue;
        if (req.value(QStringLiteral("role")).toString() == u"cdn") {
            ++cdnRequests;
            EXPECT_TRUE(req.value(QStringLiteral("auth")).isNull()) << "token leaked to the CDN host";
        } else {
            EXPECT_EQ(req.value(QStringLiteral("auth")).toString(), QStringLiteral("Bearer s3cret"));
        }
    }
    EXPECT_EQ(cdnRequests, 2);  // the two LFS files came from the other host
}

TEST_F(HubDownload, missingTokenForPrivateRepoIsAClearError)
{
    m_hub->setFaults(QJsonObject{{"require_token", "s3cret"}});
    auto m = makeManager();
    const JobOutcome r = download(*m);
    ASSERT_TRUE(r.failed);
    EXPECT_TRUE(r.message.contains(QStringLiteral("not found"))) << qPrintable(r.message);
    EXPECT_TRUE(r.message.contains(QStringLiteral("token"))) << qPrintable(r.message);
}

TEST_F(HubDownload, resumesAfterConnectionResetWithARangeRequest)
{
    m_hub->setFaults(QJsonObject{{"faults", QJsonObject{{"model.safetensors", QJsonObject{{"reset_after", 250000}}}}}});
    auto m = makeManager();
    const JobOutcome r = download(*m);
    ASSERT_TRUE(r.finished) << qPrintable(r.message);
    EXPECT_EQ(m_hub->rangesRequested("model.safetensors"), (QStringList{"", "bytes=250000-"}));
    EXPECT_EQ(m_hub->bytesServed("model.safetensors"), 600000);  // nothing fetched twice
    EXPECT_EQ(readAll(snapshotFile("model.safetensors")), m_files.value("model.safetensors"));
    EXPECT_EQ(r.retries.size(), 1);
}

TEST_F(HubDownload, retriesServerErrorsThenSucceeds)
{
    m_hub->setFaults(QJsonObject{{"faults", QJsonObject{{"weights-2.bin", QJsonObject{{"status", 503}, {"times", 2}}},
                                                        {"config.json", QJsonObject{{"head_status", 502}}}}}});
    auto m = makeManager();
    const JobOutcome r = download(*m);
    ASSERT_TRUE(r.finished) << qPrintable(r.message);
    EXPECT_EQ(m_hub->rangesRequested("weights-2.bin").size(), 3);
    EXPECT_EQ(readAll(snapshotFile("weights-2.bin")), m_files.value("weights-2.bin"));
}

TEST_F(HubDownload, givesUpAfterPersistentServerErrorsWithAClearMessage)
{
    m_hub->setFaults(QJsonObject{{"faults", QJsonObject{{"weights-2.bin", QJsonObject{{"status", 500}, {"times", 0}}}}}});
    auto m = makeManager();
    const JobOutcome r = download(*m);
    ASSERT_TRUE(r.failed);
    EXPECT_TRUE(r.message.contains(QStringLiteral("weights-2.bin"))) << qPrintable(r.message);
    EXPECT_TRUE(r.message.contains(QStringLiteral("HTTP 500"))) << qPrintable(r.message);
    EXPECT_FALSE(QFileInfo::exists(snapshotFile("weights-2.bin")));
}

TEST_F(HubDownload, stalledTransferIsAbortedAndResumed)
{
    m_hub->setFaults(QJsonObject{
        {"faults", QJsonObject{{"model.safetensors", QJsonObject{{"stall_after", 100000}, {"stall_seconds", 4}}}}}});
    auto m = makeManager();
    QElapsedTimer t;
    t.start();
    const JobOutcome r = download(*m);
    ASSERT_TRUE(r.finished) << qPrintable(r.message);
    EXPECT_LT(t.elapsed(), 3500);  // the 700 ms watchdog fired; we did not wait out the stall
    ASSERT_EQ(r.retries.size(), 1);
    EXPECT_TRUE(r.retries[0].contains(QStringLiteral("stalled"))) << qPrintable(r.retries[0]);
    EXPECT_EQ(m_hub->rangesRequested("model.safetensors"), (QStringList{"", "bytes=100000-"}));
    EXPECT_EQ(readAll(snapshotFile("model.safetensors")), m_files.value("model.safetensors"));
}

TEST_F(HubDownload, rangeNotSatisfiableDiscardsThePartialFileAndStartsOver)
{
    // A partial file from an earlier run; the server refuses to continue it.
    QDir().mkpath(repoDir() + QStringLiteral("/blobs"));
    QFile partial(blobOf("model.safetensors") + QStringLiteral(".incomplete"));
    ASSERT_TRUE(partial.open(QIODevice::WriteOnly));
    partial.write(m_files.value("model.safetensors").left(1000));
    partial.close();
    m_hub->setFaults(QJsonObject{{"faults", QJsonObject{{"model.safetensors", QJsonObject{{"range_416", 1}}}}}});
    auto m = makeManager();
    const JobOutcome r = download(*m);
    ASSERT_TRUE(r.finished) << qPrintable(r.message);
    EXPECT_EQ(m_hub->rangesRequested("model.safetensors"), (QStringList{"bytes=1000-", ""}));
    ASSERT_EQ(r.retries.size(), 1);
    EXPECT_TRUE(r.retries[0].contains(QStringLiteral("416"))) << qPrintable(r.retries[0]);
    EXPECT_EQ(readAll(snapshotFile("model.safetensors")), m_files.value("model.safetensors"));
}

TEST_F(HubDownload, serverIgnoringRangeStillGivesTheRightFile)
{
    m_hub->setFaults(QJsonObject{{"faults", QJsonObject{{"model.safetensors",
                                                         QJsonObject{{"reset_after", 300000}, {"ignore_range", true}}}}}});
    auto m = makeManager();
    const JobOutcome r = download(*m);
    ASSERT_TRUE(r.finished) << qPrintable(r.message);
    EXPECT_EQ(readAll(snapshotFile("model.safetensors")), m_files.value("model.safetensors"));
    expectSnapshotsHashClean();
}

TEST_F(HubDownload, wrongBytesOfTheRightLengthAreDeletedAndReported)
{
    m_hub->setFaults(QJsonObject{{"faults", QJsonObject{{"model.safetensors", QJsonObject{{"wrong_bytes", true}}}}}});
    auto m = makeManager();
    const JobOutcome r = download(*m);
    ASSERT_TRUE(r.failed);
    EXPECT_TRUE(r.message.contains(QStringLiteral("model.safetensors: sha256 mismatch"))) << qPrintable(r.message);
    EXPECT_TRUE(r.message.contains(QStringLiteral("deleted"))) << qPrintable(r.message);
    EXPECT_FALSE(QFileInfo::exists(snapshotFile("model.safetensors")));
    EXPECT_FALSE(QFileInfo::exists(blobOf("model.safetensors")));
    EXPECT_FALSE(QFileInfo::exists(blobOf("model.safetensors") + QStringLiteral(".incomplete")));
    EXPECT_FALSE(QFileInfo::exists(repoDir() + QStringLiteral("/refs/main")));  // not installed
    expectSnapshotsHashClean();
}

TEST_F(HubDownload, etagThatIsNotASha256IsRefused)
{
    m_hub->setFaults(QJsonObject{{"faults", QJsonObject{{"model.safetensors", QJsonObject{{"bad_etag", "../../x"}}}}}});
    auto m = makeManager();
    const JobOutcome r = download(*m);
    ASSERT_TRUE(r.failed);
    EXPECT_TRUE(r.message.contains(QStringLiteral("not a 64-hex sha256"))) << qPrintable(r.message);
    EXPECT_FALSE(QFileInfo::exists(m_cache + QStringLiteral("/x")));
    EXPECT_EQ(m_hub->bytesServed("model.safetensors"), 0);
}

TEST_F(HubDownload, unsafeFileNamesFromTheHubAreRefused)
{
    const QList<QPair<QString, QString>> cases = {{"../evil.txt", "'..'"}, {"/etc/evil", "absolute"},
                                                  {QStringLiteral("a") + QChar(0) + QStringLiteral("b"), "NUL"},
                                                  {"sub\\..\\x", "'\\'"}};
    for (const auto& [name, why] : cases) {
        m_hub->setFaults(QJsonObject{{"extra_siblings", QJsonArray{name}}});
        auto m = makeManager();
        const JobOutcome r = download(*m);
        ASSERT_TRUE(r.failed) << qPrintable(why);
        EXPECT_TRUE(r.message.contains(why)) << qPrintable(r.message);
        EXPECT_FALSE(QFileInfo::exists(m_cache + QStringLiteral("/models--org--tiny/snapshots"))) << qPrintable(why);
    }
    EXPECT_FALSE(QFileInfo::exists(m_tmp.path() + QStringLiteral("/evil.txt")));
}

TEST_F(HubDownload, notEnoughFreeSpaceFailsBeforeAnyContentIsFetched)
{
    auto m = makeManager();
    QString askedAbout;
    m->setFreeSpaceProvider([&](const QString& path) {
        askedAbout = path;
        return qint64(500000);  // less than the ~800 KB the repo needs
    });
    const JobOutcome r = download(*m);
    ASSERT_TRUE(r.failed);
    EXPECT_TRUE(r.message.contains(QStringLiteral("not enough disk space"))) << qPrintable(r.message);
    EXPECT_TRUE(r.message.contains(QStringLiteral("500.0 KB free"))) << qPrintable(r.message);
    EXPECT_EQ(askedAbout, repoDir());
    for (const QString& f : m_files.keys())
        EXPECT_EQ(m_hub->bytesServed(f), 0) << qPrintable(f);
}

TEST_F(HubDownload, freeSpaceCheckCountsBytesAPartialFileAlreadyHas)
{
    QDir().mkpath(repoDir() + QStringLiteral("/blobs"));
    QFile partial(blobOf("model.safetensors") + QStringLiteral(".incomplete"));
    ASSERT_TRUE(partial.open(QIODevice::WriteOnly));
    partial.write(m_files.value("model.safetensors").left(500000));
    partial.close();
    auto m = makeManager();
    m->setFreeSpaceProvider([](const QString&) { return qint64(400000); });  // enough for what is missing
    const JobOutcome r = download(*m);
    ASSERT_TRUE(r.finished) << qPrintable(r.message);
    EXPECT_EQ(m_hub->bytesServed("model.safetensors"), 100000);
}

TEST_F(HubDownload, includeGlobsDownloadOnlyMatchingFiles)
{
    auto m = makeManager();
    const JobOutcome r = download(*m, {QStringLiteral("*.json")});
    ASSERT_TRUE(r.finished) << qPrintable(r.message);
    EXPECT_TRUE(QFileInfo::exists(snapshotFile("config.json")));
    EXPECT_TRUE(QFileInfo::exists(snapshotFile("sub/tokenizer.json")));  // fnmatch '*' crosses '/'
    EXPECT_FALSE(QFileInfo::exists(snapshotFile("model.safetensors")));
    EXPECT_EQ(m_hub->bytesServed("model.safetensors"), 0);
}

TEST_F(HubDownload, unknownRepoAndRevisionAreClearErrors)
{
    auto m = makeManager();
    JobOutcome r = runJob(*m, [&]() { m->download(QStringLiteral("org/missing")); });
    ASSERT_TRUE(r.failed);
    EXPECT_TRUE(r.message.contains(QStringLiteral("repo org/missing not found"))) << qPrintable(r.message);
    r = download(*m, {}, QStringLiteral("no-such-branch"));
    ASSERT_TRUE(r.failed);
    EXPECT_TRUE(r.message.contains(QStringLiteral("revision not found"))) << qPrintable(r.message);
    r = runJob(*m, [&]() { m->download(QStringLiteral("../etc")); });
    ASSERT_TRUE(r.failed);
    EXPECT_TRUE(r.message.contains(QStringLiteral("repo id '../etc'"))) << qPrintable(r.message);
}

TEST_F(HubDownload, downloadsSeveralFilesAtOnce)
{
    m_hub->setFaults(QJsonObject{{"faults", QJsonObject{{"model.safetensors", QJsonObject{{"hold_after", 1000}}},
                                                        {"weights-2.bin", QJsonObject{{"hold_after", 1000}}}}}});
    auto m = makeManager();  // maxParallelFiles = 3
    bool bothHeld = false;
    const JobOutcome r = runJob(*m, [&]() {
        m->download(QStringLiteral("org/tiny"));
        // Both LFS files are mid-transfer at the same moment, then let them go.
        bothHeld = waitFor([&]() { return m_hub->held("model.safetensors") && m_hub->held("weights-2.bin"); });
        m_hub->release();
    });
    EXPECT_TRUE(bothHeld);
    ASSERT_TRUE(r.finished) << qPrintable(r.message);
    expectSnapshotsHashClean();
}

TEST_F(HubDownload, downloadsByCommitHashWithoutWritingARef)
{
    auto m = makeManager();
    const JobOutcome r = download(*m, {}, m_hub->commit());
    ASSERT_TRUE(r.finished) << qPrintable(r.message);
    EXPECT_FALSE(QFileInfo::exists(repoDir() + QStringLiteral("/refs")));  // as huggingface_hub does
    EXPECT_EQ(readAll(snapshotFile("weights-2.bin")), m_files.value("weights-2.bin"));
}

}  // namespace
