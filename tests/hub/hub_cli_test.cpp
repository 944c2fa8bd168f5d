// `fathom-cli download` as a user runs it: output, exit codes, and a SIGKILL mid-file followed by a
// second run that resumes without fetching again what the first one had written.
#include "tests/hub/fake_hub_process.h"
#include "tests/hub/hub_test_util.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include <gtest/gtest.h>

#include <memory>
#include <signal.h>

using namespace fathom::test;

namespace {

const QString kCli = QStringLiteral(FATHOM_BINARY_DIR "/app/fathom-cli");

class HubCli : public ::testing::Test {
protected:
    void SetUp() override
    {
        ensureApp();
        m_files = {{"config.json", QByteArray("{}\n")}, {"model.safetensors", randomBytes(900000, 11)}};
        m_hub = std::make_unique<FakeHub>(QStringLiteral("org/tiny"), m_files);
        m_cache = m_tmp.path() + QStringLiteral("/hub");
    }

    QStringList args(const QString& repo = QStringLiteral("org/tiny")) const
    {
        return {QStringLiteral("download"), QStringLiteral("--repo"), repo, QStringLiteral("--endpoint"), m_hub->url(),
                QStringLiteral("--cache"), m_cache};
    }

    QString partialPath() const
    {
        return m_cache + QStringLiteral("/models--org--tiny/blobs/") + sha256Hex(m_files.value("model.safetensors")) +
               QStringLiteral(".incomplete");
    }

    QTemporaryDir m_tmp;
    QMap<QString, QByteArray> m_files;
    std::unique_ptr<FakeHub> m_hub;
    QString m_cache;
};

TEST_F(HubCli, downloadPrintsPlainProgressLinesAndTheSnapshotFolder)
{
    QProcess p;
    p.start(kCli, args());
    ASSERT_TRUE(p.waitForFinished(20000));
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    const QString err = QString::fromUtf8(p.readAllStandardError());
    EXPECT_EQ(p.exitCode(), 0) << qPrintable(err);
    const QString snapshot = m_cache + QStringLiteral("/models--org--tiny/snapshots/") + m_hub->commit();
    EXPECT_EQ(out, snapshot + u'\n');
    EXPECT_TRUE(err.contains(QStringLiteral("done model.safetensors\n"))) << qPrintable(err);
    EXPECT_FALSE(err.contains(u'\r'));  // not a terminal: no carriage-return progress line
    EXPECT_EQ(readAll(snapshot + QStringLiteral("/model.safetensors")), m_files.value("model.safetensors"));
}

TEST_F(HubCli, killedDownloadResumesWithoutRefetchingWhatItHad)
{
    m_hub->setFaults(QJsonObject{{"faults", QJsonObject{{"model.safetensors", QJsonObject{{"hold_after", 400000}}}}}});
    QProcess first;
    first.start(kCli, args());
    ASSERT_TRUE(first.waitForStarted());
    ASSERT_TRUE(waitFor([&]() { return fileSize(partialPath()) == 400000; }, 15000)) << fileSize(partialPath());
    ::kill(pid_t(first.processId()), SIGKILL);
    ASSERT_TRUE(first.waitForFinished(5000));
    EXPECT_EQ(first.exitStatus(), QProcess::CrashExit);
    m_hub->release();
    m_hub->setFaults({});

    QProcess second;
    second.start(kCli, args());
    ASSERT_TRUE(second.waitForFinished(20000));
    EXPECT_EQ(second.exitCode(), 0) << second.readAllStandardError().constData();
    EXPECT_EQ(m_hub->rangesRequested("model.safetensors"), (QStringList{"", "bytes=400000-"}));
    EXPECT_EQ(m_hub->bytesServed("model.safetensors"), 900000);  // served once in total
    const QString snapshot = m_cache + QStringLiteral("/models--org--tiny/snapshots/") + m_hub->commit();
    EXPECT_EQ(readAll(snapshot + QStringLiteral("/model.safetensors")), m_files.value("model.safetensors"));
    EXPECT_FALSE(QFileInfo::exists(partialPath()));
}

TEST_F(HubCli, failureIsOneLineOnStderrWithExitStatus1)
{
    QProcess p;
    p.start(kCli, args(QStringLiteral("org/nope")));
    ASSERT_TRUE(p.waitForFinished(20000));
    EXPECT_EQ(p.exitCode(), 1);
    const QString err = QString::fromUtf8(p.readAllStandardError());
    EXPECT_TRUE(err.startsWith(QStringLiteral("fathom-cli download: repo org/nope at main: repo org/nope not found"))) << qPrintable(err);
    EXPECT_EQ(err.count(u'\n'), 1);
    EXPECT_TRUE(p.readAllStandardOutput().isEmpty());
}

TEST_F(HubCli, rejectsABadRepoIdBeforeTouchingTheNetwork)
{
    QProcess p;
    p.start(kCli, args(QStringLiteral("org/../x")));
    ASSERT_TRUE(p.waitForFinished(10000));
    EXPECT_EQ(p.exitCode(), 1);
    EXPECT_TRUE(QString::fromUtf8(p.readAllStandardError()).contains(QStringLiteral("repo id 'org/../x'")));
    EXPECT_EQ(m_hub->stats().value(QStringLiteral("requests")).toArray().size(), 1);  // only our /_stats
}

}  // namespace
