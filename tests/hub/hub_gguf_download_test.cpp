// Downloading ONE GGUF file of a repo that hosts several quantizations (issue #13): the existing
// download path (HEAD for the LFS sha256, Range resume, hash check) into the HF cache layout, and
// the engine then loads the snapshot's .gguf path directly.
#include "app/hub/download_manager.h"
#include "app/hub/hub_gguf_finder.h"
#include "inference/engine/engine.h"
#include "tests/hub/fake_hub_process.h"
#include "tests/hub/hub_test_util.h"

#include <QJsonArray>
#include <QTemporaryDir>

#include <gtest/gtest.h>

using namespace fathom;
using namespace fathom::test;
using app::DownloadManager;

namespace {

class GgufDownload : public ::testing::Test {
protected:
    void SetUp() override
    {
        ensureApp();
        // A real (tiny) DeepSeek-V2 GGUF as the Q4_K_M file; the Q8_0 file must never be fetched.
        m_files = {{"README.md", QByteArray("# tiny GGUF repo\n")},
                   {"Tiny-V2-Q4_K_M.gguf", readAll(QStringLiteral(FATHOM_TEST_DATA "/gguf/v2lite-mixed.gguf"))},
                   {"Tiny-V2-Q8_0.gguf", randomBytes(400000, 7)}};
        ASSERT_GT(m_files["Tiny-V2-Q4_K_M.gguf"].size(), 1000);
        m_hub = std::make_unique<FakeHub>(QStringLiteral("org/Tiny-V2-GGUF"), m_files);
        m_cache = m_tmp.path() + QStringLiteral("/hub");
    }

    std::unique_ptr<DownloadManager> makeManager() const
    {
        auto m = std::make_unique<DownloadManager>(app::HubCache(m_cache), app::HubEndpoint(m_hub->url(), {}));
        DownloadManager::Options o;
        o.retryBaseMs = 20;
        o.retryMaxMs = 200;
        o.stallTimeoutMs = 700;
        m->setOptions(o);
        return m;
    }

    JobOutcome downloadOne(DownloadManager& m)
    {
        return runJob(m, [&m] { m.download(QStringLiteral("org/Tiny-V2-GGUF"), QStringLiteral("main"), {QStringLiteral("Tiny-V2-Q4_K_M.gguf")}); });
    }

    QTemporaryDir m_tmp;
    QMap<QString, QByteArray> m_files;
    std::unique_ptr<FakeHub> m_hub;
    QString m_cache;
};

}  // namespace

TEST_F(GgufDownload, downloadsOnlyTheChosenQuantAndTheEngineLoadsIt)
{
    auto m = makeManager();
    const JobOutcome r = downloadOne(*m);
    ASSERT_TRUE(r.finished) << qPrintable(r.message);
    const QString file = r.snapshot + QStringLiteral("/Tiny-V2-Q4_K_M.gguf");
    EXPECT_EQ(readAll(file), m_files["Tiny-V2-Q4_K_M.gguf"]);
    // The blob is named by the sha256 the hub's LFS metadata gave, as for safetensors files.
    EXPECT_TRUE(QFileInfo::exists(m_cache + "/models--org--Tiny-V2-GGUF/blobs/" + sha256Hex(m_files["Tiny-V2-Q4_K_M.gguf"])));
    EXPECT_FALSE(QFileInfo::exists(r.snapshot + QStringLiteral("/Tiny-V2-Q8_0.gguf")));
    EXPECT_EQ(m_hub->bytesServed(QStringLiteral("Tiny-V2-Q8_0.gguf")), 0);
    EXPECT_EQ(m_hub->bytesServed(QStringLiteral("README.md")), 0);

    // Listed as installed, and loadable by path.
    const QList<app::LocalGguf> found = app::HubGgufFinder(m_cache).find();
    ASSERT_EQ(found.size(), 1);
    EXPECT_EQ(found[0].label, "org/Tiny-V2-GGUF/Tiny-V2-Q4_K_M.gguf");
    EXPECT_TRUE(found[0].runnable());
    inference::EngineOptions options;
    options.backend = inference::Backend::Cpu;
    options.threads = 1;
    options.contextLength = 64;
    const auto engine = inference::Engine::load(found[0].path.toStdString(), options);
    EXPECT_FALSE(engine->info().name.empty());
}

TEST_F(GgufDownload, resumesTheGgufFileAfterAConnectionReset)
{
    m_hub->setFaults(QJsonObject{{"faults", QJsonObject{{"Tiny-V2-Q4_K_M.gguf", QJsonObject{{"reset_after", 100000}}}}}});
    auto m = makeManager();
    const JobOutcome r = downloadOne(*m);
    ASSERT_TRUE(r.finished) << qPrintable(r.message);
    EXPECT_EQ(readAll(r.snapshot + QStringLiteral("/Tiny-V2-Q4_K_M.gguf")), m_files["Tiny-V2-Q4_K_M.gguf"]);
    const QStringList ranges = m_hub->rangesRequested(QStringLiteral("Tiny-V2-Q4_K_M.gguf"));
    ASSERT_GE(ranges.size(), 2) << qPrintable(ranges.join(' '));
    EXPECT_TRUE(ranges.last().startsWith(QStringLiteral("bytes="))) << qPrintable(ranges.join(' '));
    EXPECT_NE(ranges.last(), QStringLiteral("bytes=0-"));
}

TEST_F(GgufDownload, wrongBytesOfTheGgufAreRefusedByTheHashCheck)
{
    m_hub->setFaults(QJsonObject{{"faults", QJsonObject{{"Tiny-V2-Q4_K_M.gguf", QJsonObject{{"wrong_bytes", true}}}}}});
    auto m = makeManager();
    const JobOutcome r = downloadOne(*m);
    ASSERT_TRUE(r.failed);
    EXPECT_TRUE(r.message.contains(QStringLiteral("sha256"))) << qPrintable(r.message);
    EXPECT_TRUE(app::HubGgufFinder(m_cache).find().isEmpty());
}
