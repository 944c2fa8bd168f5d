// The model manager page driven with clicks against the fake hub (tests/hub/fake_hub.py): a download
// shows progress and lands under Installed, pause / resume, a corrupt file is a clear error with
// nothing in snapshots/, delete asks first, and "use this model" hands the snapshot folder on.
#include "app/hub/download_service.h"
#include "tests/hub/fake_hub_process.h"
#include "ui/models/catalog_card.h"
#include "ui/models/download_row.h"
#include "ui/models/models_page.h"

#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace fathom;
using app::DownloadManager;

namespace {
const QString kRepo = QStringLiteral("org/tiny");
const QString kJob = QStringLiteral("org/tiny@main");
constexpr qint64 kWeightsBytes = 800000;
}  // namespace

class ModelsPageTest final : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    std::unique_ptr<test::FakeHub> m_hub;
    std::unique_ptr<app::DownloadService> m_service;
    std::unique_ptr<ui::ModelsPage> m_page;

    QString repoDir() const { return m_tmp.path() + QStringLiteral("/hub/models--org--tiny"); }
    QString snapshotFile(const QString& path) const
    {
        return repoDir() + QStringLiteral("/snapshots/") + m_hub->commit() + u'/' + path;
    }
    QPushButton* button(QWidget* in, const char* name) const
    {
        auto* b = in->findChild<QPushButton*>(QLatin1String(name));
        if (!b) qFatal("no button %s", name);
        return b;
    }
    ui::DownloadRow* row() const { return m_page->downloadRow(kJob); }
    int installedRow(const QString& repo) const
    {
        for (int i = 0; i < m_page->list()->count(); ++i)
            if (m_page->list()->item(i)->text().startsWith(repo)) return i;
        return -1;
    }
    void typeRepoAndDownload()
    {
        m_page->sourceField()->setText(kRepo);
        QTest::mouseClick(button(m_page.get(), "addModel"), Qt::LeftButton);
        QVERIFY(row());
    }
    void holdWeightsAfter(qint64 bytes)
    {
        m_hub->setFaults(QJsonObject{{"faults", QJsonObject{{"model.safetensors", QJsonObject{{"hold_after", bytes}}}}}});
    }
    void downloadToTheEnd()
    {
        typeRepoAndDownload();
        QTRY_COMPARE_WITH_TIMEOUT(row()->state(), DownloadManager::JobState::Done, 10000);
        QTRY_VERIFY(installedRow(kRepo) >= 0);
    }

private slots:
    void init()
    {
        m_hub = std::make_unique<test::FakeHub>(
            kRepo, QMap<QString, QByteArray>{{"config.json", QByteArray("{}\n")},
                                              {"model.safetensors", test::randomBytes(kWeightsBytes, 11)}});
        app::DownloadService::Config c;
        c.cacheRoot = m_tmp.path() + QStringLiteral("/hub");
        // Hermetic: this machine's Ollama and LM Studio models are not part of the test.
        c.ollamaRoot = m_tmp.path() + QStringLiteral("/no-ollama");
        c.lmStudioRoots = {};
        c.endpoint = m_hub->url();
        c.token.clear();
        c.options.progressIntervalMs = 50;
        c.options.retryBaseMs = 20;
        c.options.maxAttempts = 3;  // a 503, then a held transfer the server closes, then the rest
        c.options.stallTimeoutMs = 5000;  // a held transfer must not count as a stall
        m_service = std::make_unique<app::DownloadService>(c);
        m_page = std::make_unique<ui::ModelsPage>();
        m_page->resize(1100, 900);
        m_page->setDownloadService(m_service.get());
        m_page->show();
        QTRY_VERIFY(m_page->isSettled());
    }

    void cleanup()
    {
        m_page.reset();
        m_service.reset();
        m_hub.reset();  // stops the server, held transfers too
        QDir(m_tmp.path()).removeRecursively();
    }

    void catalogShowsSizeGpuMemoryUseAndLicense()
    {
        const QList<ui::CatalogCard*> cards = m_page->catalogCards();
        QCOMPARE(cards.size(), 3);
        QStringList repos;
        for (ui::CatalogCard* card : cards) {
            repos << card->model().repo;
            const QString facts = card->findChild<QLabel*>(QStringLiteral("catalogFacts"))->text();
            QVERIFY2(facts.contains(QStringLiteral("31.4 GB")) && facts.contains(QStringLiteral("34 GB")), qPrintable(facts));
            QVERIFY(card->findChild<QLabel*>(QStringLiteral("catalogLicense"))->text().contains(QStringLiteral("DeepSeek License")));
            QCOMPARE(card->downloadButton()->text(), QStringLiteral("Download bf16"));
            QVERIFY(card->downloadButton()->isEnabled());
        }
        QVERIFY(repos.contains(QStringLiteral("deepseek-ai/DeepSeek-Coder-V2-Lite-Instruct")));
        QVERIFY(repos.contains(QStringLiteral("deepseek-ai/DeepSeek-Coder-V2-Lite-Base")));
        QVERIFY(repos.contains(QStringLiteral("deepseek-ai/DeepSeek-V2-Lite-Chat")));
    }

    void downloadShowsProgressThenAppearsUnderInstalled()
    {
        QCOMPARE(installedRow(kRepo), -1);
        holdWeightsAfter(300000);
        typeRepoAndDownload();
        // Held at 300000 of 800003 bytes: the bar and the text say how far it got.
        QTRY_VERIFY_WITH_TIMEOUT(row()->progressBar()->value() > 0, 10000);
        QVERIFY(row()->progressBar()->value() < row()->progressBar()->maximum());
        QTRY_VERIFY(row()->statusLabel()->text().contains(QStringLiteral(" of 800 KB")));
        QVERIFY(button(row(), "pauseDownload")->isVisible());
        m_hub->release();
        QTRY_COMPARE_WITH_TIMEOUT(row()->state(), DownloadManager::JobState::Done, 10000);
        QCOMPARE(row()->progressBar()->value(), row()->progressBar()->maximum());
        QVERIFY(row()->statusLabel()->text().startsWith(QStringLiteral("Installed")));
        QTRY_VERIFY(installedRow(kRepo) >= 0);
        QVERIFY(m_page->list()->item(installedRow(kRepo))->text().contains(QStringLiteral("800 KB on disk")));
        QVERIFY(QFileInfo::exists(snapshotFile(QStringLiteral("model.safetensors"))));

        // "Use this model" hands the snapshot folder to the engine bridge.
        QSignalSpy load(m_page.get(), &ui::ModelsPage::loadRequested);
        m_page->list()->setCurrentRow(installedRow(kRepo));
        QTest::mouseClick(button(m_page.get(), "loadModel"), Qt::LeftButton);
        QCOMPARE(load.size(), 1);
        QCOMPARE(QFileInfo(load.at(0).at(0).toString()).canonicalFilePath(),
                 QFileInfo(repoDir() + QStringLiteral("/snapshots/") + m_hub->commit()).canonicalFilePath());
    }

    void pauseKeepsTheBytesAndResumeFinishes()
    {
        holdWeightsAfter(300000);
        typeRepoAndDownload();
        QTRY_VERIFY_WITH_TIMEOUT(row()->progressBar()->value() > 0, 10000);
        QTest::mouseClick(button(row(), "pauseDownload"), Qt::LeftButton);
        QTRY_COMPARE(row()->state(), DownloadManager::JobState::Paused);
        QVERIFY(row()->statusLabel()->text().startsWith(QStringLiteral("Paused")));
        QVERIFY(button(row(), "resumeDownload")->isVisible());
        QVERIFY(!button(row(), "pauseDownload")->isVisible());
        const int pausedAt = row()->progressBar()->value();
        QVERIFY(pausedAt > 0);
        QTest::mouseClick(button(row(), "resumeDownload"), Qt::LeftButton);  // the hold fired once: no hold now
        QTRY_COMPARE_WITH_TIMEOUT(row()->state(), DownloadManager::JobState::Done, 10000);
        // Resumed from the partial file: a ranged request, not the whole file again.
        const QStringList ranges = m_hub->rangesRequested(QStringLiteral("model.safetensors"));
        QVERIFY2(ranges.size() >= 2 && ranges.last().startsWith(QStringLiteral("bytes=")), qPrintable(ranges.join(u',')));
        QTRY_VERIFY(installedRow(kRepo) >= 0);
    }

    void aRetryShowsWhyWhileTheDownloadGoesOn()
    {
        // First GET answers 503, the retry is held after 300000 bytes: the row says why it retried.
        m_hub->setFaults(QJsonObject{{"faults", QJsonObject{{"model.safetensors",
                                                             QJsonObject{{"status", 503}, {"hold_after", 300000}}}}}});
        typeRepoAndDownload();
        QTRY_VERIFY_WITH_TIMEOUT(row()->noteLabel()->isVisible(), 10000);
        QVERIFY2(row()->noteLabel()->text().startsWith(QStringLiteral("Retrying model.safetensors:")) &&
                     row()->noteLabel()->text().contains(QStringLiteral("503")),
                 qPrintable(row()->noteLabel()->text()));
        QVERIFY(!row()->errorLabel()->isVisible());
        m_hub->release();
        QTRY_COMPARE_WITH_TIMEOUT(row()->state(), DownloadManager::JobState::Done, 10000);
        QVERIFY(!row()->noteLabel()->isVisible());
    }

    void cancelStopsAndDeletesThePartialFile()
    {
        holdWeightsAfter(300000);
        typeRepoAndDownload();
        const QString partial = repoDir() + QStringLiteral("/blobs/") +
                                test::sha256Hex(m_hub->files().value(QStringLiteral("model.safetensors"))) +
                                QStringLiteral(".incomplete");
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(partial).size() == 300000, 10000);
        QTest::mouseClick(button(row(), "cancelDownload"), Qt::LeftButton);
        QTRY_COMPARE(row()->state(), DownloadManager::JobState::Cancelled);
        QVERIFY(!QFileInfo::exists(partial));
        QVERIFY(button(row(), "dismissDownload")->isVisible());
        QTest::mouseClick(button(row(), "dismissDownload"), Qt::LeftButton);
        QTRY_VERIFY(!row());
    }

    void wrongBytesShowAClearErrorAndNothingLandsInSnapshots()
    {
        m_hub->setFaults(QJsonObject{{"faults", QJsonObject{{"model.safetensors", QJsonObject{{"wrong_bytes", true}}}}}});
        typeRepoAndDownload();
        QTRY_COMPARE_WITH_TIMEOUT(row()->state(), DownloadManager::JobState::Failed, 10000);
        QLabel* error = row()->errorLabel();
        QVERIFY(error->isVisible());
        QVERIFY2(error->text().contains(QStringLiteral("model.safetensors: sha256 mismatch")), qPrintable(error->text()));
        QVERIFY(button(row(), "retryDownload")->isVisible());
        QVERIFY(!QFileInfo::exists(snapshotFile(QStringLiteral("model.safetensors"))));
        QVERIFY(!QFileInfo::exists(repoDir() + QStringLiteral("/refs/main")));
        // config.json did arrive, so the cache lists the repo, but as not usable: "use this model" is off.
        QTRY_VERIFY(installedRow(kRepo) >= 0);
        QVERIFY(m_page->list()->item(installedRow(kRepo))->text().contains(QStringLiteral("not usable yet")));
        m_page->list()->setCurrentRow(installedRow(kRepo));
        QVERIFY(!button(m_page.get(), "loadModel")->isEnabled());
    }

    void badRepoTextIsExplainedNextToTheField()
    {
        m_page->sourceField()->setText(QStringLiteral("not a repo"));
        QTest::mouseClick(button(m_page.get(), "addModel"), Qt::LeftButton);
        auto* message = m_page->findChild<QLabel*>(QStringLiteral("modelsMessage"));
        QVERIFY(message->isVisible());
        QVERIFY(!message->text().isEmpty());
        QVERIFY(!row());  // nothing started
    }

    void deleteAsksThenRemovesTheModel()
    {
        downloadToTheEnd();
        m_page->list()->setCurrentRow(installedRow(kRepo));
        // Cancel first: nothing happens.
        QTest::mouseClick(button(m_page.get(), "deleteModel"), Qt::LeftButton);
        auto* box = m_page->findChild<QMessageBox*>(QStringLiteral("confirmDeleteModel"));
        QVERIFY(box);
        QVERIFY(box->text().contains(kRepo));
        box->button(QMessageBox::Cancel)->click();
        QTest::qWait(100);
        QVERIFY(QFileInfo::exists(repoDir()));
        QTRY_VERIFY(!m_page->findChild<QMessageBox*>(QStringLiteral("confirmDeleteModel")));

        m_page->list()->setCurrentRow(installedRow(kRepo));
        QTest::mouseClick(button(m_page.get(), "deleteModel"), Qt::LeftButton);
        box = m_page->findChild<QMessageBox*>(QStringLiteral("confirmDeleteModel"));
        QVERIFY(box);
        box->button(QMessageBox::Yes)->click();
        QTRY_COMPARE(installedRow(kRepo), -1);
        QVERIFY(!QFileInfo::exists(repoDir()));
    }
};

QTEST_MAIN(ModelsPageTest)
#include "models_page_test.moc"
