// The model manager's GGUF side (issue #13), driven like a user: the catalog cards recommend the
// largest quant that fits the (injected) GPU or RAM, GGUF files Ollama and LM Studio downloaded are
// listed as installed with their source (other architectures marked unsupported), a catalog quant
// already there says Installed, and "Download GGUF" fetches exactly one file from the fake hub.
#include "app/hub/download_service.h"
#include "tests/hub/fake_hub_process.h"
#include "tests/inference/gguf_builder.h"
#include "ui/models/catalog_card.h"
#include "ui/models/download_row.h"
#include "ui/models/models_page.h"

#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace fathom;
using app::DownloadManager;

namespace {
const QString kGgufRepo = QStringLiteral("bartowski/DeepSeek-Coder-V2-Lite-Instruct-GGUF");
const QString kQ4 = QStringLiteral("DeepSeek-Coder-V2-Lite-Instruct-Q4_K_M.gguf");
const QString kQ8 = QStringLiteral("DeepSeek-Coder-V2-Lite-Instruct-Q8_0.gguf");
const QString kHex = QStringLiteral("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");

QByteArray ggufBytes(const std::string& arch, std::uint32_t fileType, const std::string& name)
{
    test::GgufBuilder b;
    b.str("general.architecture", arch).str("general.name", name).u32("general.file_type", fileType);
    return QByteArray::fromStdString(b.bytes());
}

void writeFile(const QString& path, const QByteArray& bytes)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size()) qFatal("cannot write %s", qPrintable(path));
}

// A 16 GB GPU, as nvidia-smi would report one; the real machine's probe is never asked.
class FakeProbe final : public app::MemoryProbe {
public:
    app::DeviceMemory probe() const override { return {app::DeviceMemory::Kind::Gpu, "Test GPU", 16LL << 30, -1}; }
};
}  // namespace

class ModelsGgufTest final : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    std::unique_ptr<test::FakeHub> m_hub;
    std::unique_ptr<app::DownloadService> m_service;
    std::unique_ptr<ui::ModelsPage> m_page;

    ui::CatalogCard* card(const QString& repo) const
    {
        for (ui::CatalogCard* c : m_page->catalogCards())
            if (c->model().repo == repo) return c;
        qFatal("no card %s", qPrintable(repo));
    }
    int rowContaining(const QString& text) const
    {
        for (int i = 0; i < m_page->list()->count(); ++i)
            if (m_page->list()->item(i)->text().contains(text)) return i;
        return -1;
    }
    QString rowText(const QString& text) const
    {
        const int i = rowContaining(text);
        return i < 0 ? QString() : m_page->list()->item(i)->text();
    }

private slots:
    void init()
    {
        m_hub = std::make_unique<test::FakeHub>(
            kGgufRepo, QMap<QString, QByteArray>{{kQ4, ggufBytes("deepseek2", 15, "DeepSeek-Coder-V2-Lite-Instruct")},
                                                  {kQ8, test::randomBytes(300000, 5)}});
        // Ollama: a DeepSeek-V2-Lite-Chat Q5_K_M and a Llama; LM Studio: one Qwen file.
        const QString ollama = m_tmp.path() + QStringLiteral("/ollama");
        writeFile(ollama + "/blobs/sha256-" + kHex, ggufBytes("deepseek2", 17, "DeepSeek-V2-Lite-Chat"));
        writeFile(ollama + "/manifests/registry.ollama.ai/library/deepseek-v2/16b-lite-chat-q5_K_M",
                  QStringLiteral(R"({"layers": [{"mediaType": "application/vnd.ollama.image.model", "digest": "sha256:%1"}]})").arg(kHex).toUtf8());
        const QString llama = QString(kHex).replace('0', 'f');
        writeFile(ollama + "/blobs/sha256-" + llama, ggufBytes("llama", 15, "Llama-3"));
        writeFile(ollama + "/manifests/registry.ollama.ai/library/llama3/latest",
                  QStringLiteral(R"({"layers": [{"mediaType": "application/vnd.ollama.image.model", "digest": "sha256:%1"}]})").arg(llama).toUtf8());
        writeFile(ollama + "/manifests/registry.ollama.ai/library/broken/latest", "{");
        writeFile(m_tmp.path() + "/lmstudio/Qwen/Qwen2.5-GGUF/qwen2.5-q8_0.gguf", ggufBytes("qwen2", 7, "Qwen2.5"));

        app::DownloadService::Config c;
        c.cacheRoot = m_tmp.path() + QStringLiteral("/hub");
        c.endpoint = m_hub->url();
        c.token.clear();
        c.ollamaRoot = ollama;
        c.lmStudioRoots = {m_tmp.path() + QStringLiteral("/lmstudio")};
        c.memoryProbe = std::make_shared<FakeProbe>();
        c.options.retryBaseMs = 20;
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
        m_hub.reset();
        QDir(m_tmp.path()).removeRecursively();
    }

    void cardsRecommendTheLargestQuantThatFitsTheGpu()
    {
        ui::CatalogCard* instruct = card(QStringLiteral("deepseek-ai/DeepSeek-Coder-V2-Lite-Instruct"));
        // 16 GiB (17.2e9 bytes) less the 0.86 GB margin: Q6_K (14.1 GB) fits, Q8_0 (17.9 GB) does not.
        QTRY_COMPARE(instruct->recommendationLabel()->text(), QStringLiteral("Recommended for your GPU (16 GB): <b>Q6_K</b>"));
        QCOMPARE(instruct->quantBox()->count(), 4);
        QVERIFY(instruct->quantBox()->currentText().startsWith(QStringLiteral("Q6_K · ~12.9 GB download · 14.1 GB GPU (8k)")));
        QVERIFY(instruct->quantBox()->currentText().contains(QStringLiteral("recommended")));
        QCOMPARE(instruct->ggufButton()->text(), QStringLiteral("Download GGUF"));
        // The CPU backend is judged by RAM; 8 GB fits none of them, and the card says what is needed.
        m_page->setDeviceMemory({app::DeviceMemory::Kind::Cpu, "system memory", 8LL << 30, 6LL << 30});
        QCOMPARE(instruct->recommendedGguf(), -1);
        QCOMPARE(instruct->recommendationLabel()->text(), QStringLiteral("None fits your RAM (8 GB, CPU backend): the smallest needs 10.8 GB"));
        m_page->setDeviceMemory({app::DeviceMemory::Kind::Cpu, "system memory", 64LL << 30, 60LL << 30});
        QCOMPARE(instruct->quantBox()->currentIndex(), 3);  // Q8_0
    }

    void ggufFilesOfOllamaAndLmStudioAreListedAsInstalled()
    {
        const QString chat = rowText(QStringLiteral("DeepSeek-V2-Lite-Chat · Q5_K_M"));
        QVERIFY2(chat.contains(QStringLiteral("Ollama: deepseek-v2:16b-lite-chat-q5_K_M")), qPrintable(chat));
        const QString llama = rowText(QStringLiteral("Llama-3 · Q4_K_M"));
        QVERIFY2(llama.contains(QStringLiteral("not supported by Fathom (architecture llama")), qPrintable(llama));
        const QString qwen = rowText(QStringLiteral("Qwen2.5 · Q8_0"));
        QVERIFY2(qwen.contains(QStringLiteral("LM Studio: Qwen/Qwen2.5-GGUF/qwen2.5-q8_0.gguf")), qPrintable(qwen));
        QCOMPARE(rowContaining(QStringLiteral("broken")), -1);  // the bad manifest is skipped, not shown
        // The catalog knows the Ollama file is its Chat model's Q5_K_M: not fetched again.
        ui::CatalogCard* chatCard = card(QStringLiteral("deepseek-ai/DeepSeek-V2-Lite-Chat"));
        chatCard->quantBox()->setCurrentIndex(1);
        QVERIFY(chatCard->quantBox()->currentText().contains(QStringLiteral("installed")));
        QCOMPARE(chatCard->ggufButton()->text(), QStringLiteral("Installed"));
        QVERIFY(!chatCard->ggufButton()->isEnabled());
        // "Use this model" on it hands the engine the blob path; the unsupported one cannot be used.
        QSignalSpy load(m_page.get(), &ui::ModelsPage::loadRequested);
        m_page->list()->setCurrentRow(rowContaining(QStringLiteral("DeepSeek-V2-Lite-Chat · Q5_K_M")));
        QTest::mouseClick(m_page->findChild<QPushButton*>(QStringLiteral("loadModel")), Qt::LeftButton);
        QCOMPARE(load.size(), 1);
        QCOMPARE(load.first().first().toString(), m_tmp.path() + "/ollama/blobs/sha256-" + kHex);
        m_page->list()->setCurrentRow(rowContaining(QStringLiteral("Llama-3")));
        QVERIFY(!m_page->findChild<QPushButton*>(QStringLiteral("loadModel"))->isEnabled());
    }

    void downloadGgufFetchesOnlyTheChosenFile()
    {
        QSignalSpy picker(m_page.get(), &ui::ModelsPage::ggufModelsChanged);
        ui::CatalogCard* instruct = card(QStringLiteral("deepseek-ai/DeepSeek-Coder-V2-Lite-Instruct"));
        instruct->quantBox()->setCurrentIndex(0);  // Q4_K_M
        QTest::mouseClick(instruct->ggufButton(), Qt::LeftButton);
        ui::DownloadRow* row = m_page->downloadRow(kGgufRepo + QStringLiteral("@main"));
        QVERIFY(row);
        QTRY_COMPARE_WITH_TIMEOUT(row->state(), DownloadManager::JobState::Done, 10000);
        QTRY_VERIFY(rowContaining(QStringLiteral("DeepSeek-Coder-V2-Lite-Instruct · Q4_K_M")) >= 0);
        QVERIFY(rowText(QStringLiteral("DeepSeek-Coder-V2-Lite-Instruct · Q4_K_M")).contains(QStringLiteral("Hugging Face cache: ") + kGgufRepo + u'/' + kQ4));
        QCOMPARE(rowContaining(QStringLiteral("not usable yet")), -1);  // a GGUF repo needs no config.json
        QCOMPARE(m_hub->bytesServed(kQ8), 0);
        QTRY_COMPARE(instruct->ggufButton()->text(), QStringLiteral("Installed"));
        // The picker is told: the new file with its quant, next to the Ollama one.
        QTRY_VERIFY(!picker.isEmpty());
        const auto models = picker.last().first().value<QList<app::LocalModel>>();
        QStringList quants;
        for (const app::LocalModel& m : models) quants << m.name + u'/' + m.quant;
        QVERIFY2(quants.contains(QStringLiteral("DeepSeek-Coder-V2-Lite-Instruct/Q4_K_M")), qPrintable(quants.join(' ')));
        QVERIFY2(quants.contains(QStringLiteral("DeepSeek-V2-Lite-Chat/Q5_K_M")), qPrintable(quants.join(' ')));
        QVERIFY(!quants.join(' ').contains(QStringLiteral("Llama")));
    }
};

QTEST_MAIN(ModelsGgufTest)
#include "models_gguf_test.moc"
