// GGUF in the model manager (issue #13): the catalog's gguf lists, the quant recommendation, the
// GPU / RAM probes' parsers, Ollama manifests, and finding GGUF files other tools put on disk, each
// on a fake folder tree in a temp dir. Bad files are skipped with a reason, never an exception.
#include "app/hub/gguf_discovery.h"
#include "app/hub/gguf_probe.h"
#include "app/hub/hub_gguf_finder.h"
#include "app/hub/lm_studio_gguf_finder.h"
#include "app/hub/model_catalog.h"
#include "app/hub/nvidia_smi_probe.h"
#include "app/hub/ollama_gguf_finder.h"
#include "app/hub/ollama_manifest.h"
#include "app/hub/quant_recommender.h"
#include "app/hub/system_memory_probe.h"
#include "base/error.h"
#include "tests/inference/gguf_builder.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include <gtest/gtest.h>

#include <filesystem>

using namespace fathom::app;

namespace {

const QString kHex = QStringLiteral("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
constexpr qint64 GB = 1'000'000'000;

void mkpath(const QString& file) { QDir().mkpath(QFileInfo(file).absolutePath()); }

// A header-only GGUF: what the finders read (no tensors needed for listing).
void writeGguf(const QString& path, const std::string& arch = "deepseek2", int fileType = 15, const std::string& name = "DeepSeek-Coder-V2-Lite-Instruct")
{
    mkpath(path);
    fathom::test::GgufBuilder b;
    b.str("general.architecture", arch).str("general.name", name);
    if (fileType >= 0)
        b.u32("general.file_type", std::uint32_t(fileType));
    b.write(path.toStdString());
}

void writeText(const QString& path, const QByteArray& text)
{
    mkpath(path);
    QFile f(path);
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    f.write(text);
}

QByteArray manifest(const QString& digest, const QString& type = QStringLiteral("application/vnd.ollama.image.model"))
{
    return QStringLiteral(R"({"schemaVersion": 2, "config": {"digest": "sha256:aa"}, "layers": [
        {"mediaType": "application/vnd.ollama.image.template", "digest": "sha256:%3", "size": 10},
        {"mediaType": "%2", "digest": "%1", "size": 123}]})")
        .arg(digest, type, kHex)
        .toUtf8();
}

std::string manifestError(const std::string& json)
{
    try {
        OllamaManifest::parse(json, "m");
    } catch (const fathom::Error& e) {
        return e.what();
    }
    return "(accepted)";
}

CatalogGguf entry(const char* quant, double gb) { return {"a/b-GGUF", QStringLiteral("b-%1.gguf").arg(quant), quant, 1, gb}; }
DeviceMemory gpu(double totalGB, double freeGB = -1)
{
    return {DeviceMemory::Kind::Gpu, "GPU", qint64(totalGB * GB), freeGB < 0 ? -1 : qint64(freeGB * GB)};
}

}  // namespace

TEST(CatalogGgufTest, builtinCatalogOffersFourQuantsOfEachModelSmallestFirst)
{
    const ModelCatalog c = ModelCatalog::builtin();
    for (const CatalogModel& m : c.models()) {
        ASSERT_EQ(m.gguf.size(), 4) << qPrintable(m.repo);
        QStringList quants;
        for (const CatalogGguf& g : m.gguf) {
            quants << g.quant;
            EXPECT_TRUE(g.file.endsWith(".gguf"));
            EXPECT_TRUE(g.file.contains(g.quant)) << qPrintable(g.file);
            // Weights at the quant's bits per weight + 0.25 GB MLA cache (8k) + 1 GB buffers.
            EXPECT_NEAR(g.vramGB8k, g.downloadBytes / 1e9 + 0.255 + 1.0, 0.06) << qPrintable(g.file);
        }
        EXPECT_EQ(quants, (QStringList{"Q4_K_M", "Q5_K_M", "Q6_K", "Q8_0"}));
        EXPECT_NEAR(m.gguf[0].downloadBytes / 1e9, 15.7 * 4.85 / 8, 0.05);
    }
}

TEST(CatalogGgufTest, rejectsBadGgufEntriesNamingTheField)
{
    auto errorOf = [](const QString& gguf) -> std::string {
        const QString json = QStringLiteral(R"({"version": 1, "models": [{"repo": "a/b", "name": "B", "uses": ["chat"],
            "parameters": "1B", "downloadBytes": 10, "vramGB": 1, "contextTokens": 4096, "promptFormat": "fim",
            "license": "MIT", "licenseUrl": "https://x/y", "description": "d", "gguf": %1}]})").arg(gguf);
        try {
            ModelCatalog::fromJson(json.toUtf8(), "cat.json");
        } catch (const fathom::Error& e) {
            return e.what();
        }
        return "(accepted)";
    };
    const QString ok = R"({"repo": "o/b-GGUF", "file": "b-Q4_K_M.gguf", "quant": "Q4_K_M", "downloadBytes": 5, "vramGB8k": 2})";
    EXPECT_EQ(errorOf("[" + ok + "]"), "(accepted)");
    EXPECT_EQ(errorOf("{}"), "cat.json: models[0].gguf must be an array");
    EXPECT_EQ(errorOf(QString("[%1, %1]").arg(ok)), "cat.json: models[0].gguf[1].quant 'Q4_K_M' is listed twice");
    EXPECT_EQ(errorOf("[" + QString(ok).replace("b-Q4_K_M.gguf", "../x.gguf") + "]"),
              "cat.json: models[0].gguf[0].file '../x.gguf' is not a relative path ending in .gguf");
    EXPECT_EQ(errorOf("[" + QString(ok).replace("b-Q4_K_M.gguf", "b.bin") + "]"),
              "cat.json: models[0].gguf[0].file 'b.bin' is not a relative path ending in .gguf");
    EXPECT_EQ(errorOf("[" + QString(ok).replace("b-Q4_K_M.gguf", "b-*.gguf") + "]"),
              "cat.json: models[0].gguf[0].file 'b-*.gguf' must name one file, not a glob");
    EXPECT_EQ(errorOf("[" + QString(ok).replace("\"vramGB8k\": 2", "\"vramGB8k\": \"2\"") + "]"),
              "cat.json: models[0].gguf[0].vramGB8k must be a number from 0.001 to 100000");
    EXPECT_EQ(errorOf("[" + QString(ok).replace("o/b-GGUF", "nope") + "]"),
              "cat.json: models[0].gguf[0].repo 'nope' is not an ORG/NAME repo id");
}

TEST(QuantRecommenderTest, picksTheLargestQuantThatFitsWithMargin)
{
    const QList<CatalogGguf> files{entry("Q8_0", 17.9), entry("Q4_K_M", 10.8), entry("Q6_K", 14.1), entry("Q5_K_M", 12.4)};
    EXPECT_EQ(files[QuantRecommender::recommend(files, gpu(24))].quant, "Q8_0");
    EXPECT_EQ(files[QuantRecommender::recommend(files, gpu(16))].quant, "Q6_K");     // 16 - 0.8 margin
    EXPECT_EQ(files[QuantRecommender::recommend(files, gpu(12))].quant, "Q4_K_M");   // 12.4 does not fit 11.4
    EXPECT_EQ(QuantRecommender::recommend(files, gpu(8)), -1);
    // Free memory counts when known: another program holds 10 GB of a 24 GB card.
    EXPECT_EQ(files[QuantRecommender::recommend(files, gpu(24, 14))].quant, "Q5_K_M");
    EXPECT_EQ(QuantRecommender::recommend(files, DeviceMemory{}), -1);  // not probed yet
    // CPU: 32 GB of RAM, 20 available; margin max(2 GB, 10%) = 3.2 GB -> 16.8 GB usable.
    const DeviceMemory ram{DeviceMemory::Kind::Cpu, "system memory", 32 * GB, 20 * GB};
    EXPECT_EQ(files[QuantRecommender::recommend(files, ram)].quant, "Q6_K");
}

TEST(MemoryProbeTest, parsesNvidiaSmiAndMeminfo)
{
    const DeviceMemory g = NvidiaSmiProbe::parse("NVIDIA H200, 143771, 142000\nNVIDIA H200, 143771, 10\n");
    EXPECT_EQ(g.kind, DeviceMemory::Kind::Gpu);
    EXPECT_EQ(g.name, "NVIDIA H200");
    EXPECT_EQ(g.totalBytes, 143771LL << 20);
    EXPECT_EQ(g.freeBytes, 142000LL << 20);
    EXPECT_EQ(NvidiaSmiProbe::parse("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.").kind,
              DeviceMemory::Kind::None);
    EXPECT_EQ(NvidiaSmiProbe::parse("").kind, DeviceMemory::Kind::None);
    const DeviceMemory r = SystemMemoryProbe::parse("MemTotal:       32768000 kB\nMemFree: 100 kB\nMemAvailable:   16384000 kB\n");
    EXPECT_EQ(r.kind, DeviceMemory::Kind::Cpu);
    EXPECT_EQ(r.totalBytes, 32768000LL * 1024);
    EXPECT_EQ(r.freeBytes, 16384000LL * 1024);
    EXPECT_EQ(SystemMemoryProbe::parse("garbage").kind, DeviceMemory::Kind::None);
}

TEST(MemoryProbeTest, aMissingNvidiaSmiFallsBackToSystemMemory)
{
    const DeviceMemory m = NvidiaSmiProbe(QStringLiteral("/nonexistent/nvidia-smi"), 500).probe();
    EXPECT_EQ(m.kind, DeviceMemory::Kind::Cpu);  // this test machine has /proc/meminfo
    EXPECT_GT(m.totalBytes, 0);
}

TEST(OllamaManifestTest, findsTheModelLayerDigest)
{
    const OllamaManifest m = OllamaManifest::parse(manifest("sha256:" + kHex).toStdString(), "m");
    EXPECT_EQ(m.modelDigest, ("sha256:" + kHex).toStdString());
    EXPECT_EQ(m.modelSize, 123);
    EXPECT_EQ(m.blobName(), ("sha256-" + kHex).toStdString());
}

TEST(OllamaManifestTest, rejectsBadManifestsNamingTheProblem)
{
    EXPECT_EQ(manifestError("{"), "m: not valid JSON");
    EXPECT_EQ(manifestError("[]"), "m: the top level is not a JSON object");
    EXPECT_EQ(manifestError("{\"layers\": 3}"), "m: 'layers' is missing or not an array");
    EXPECT_EQ(manifestError("{\"layers\": [1]}"), "m: layers[0] is not an object");
    EXPECT_EQ(manifestError("{\"layers\": [{}]}"), "m: layers[0].mediaType is missing or not a string");
    EXPECT_EQ(manifestError(manifest("sha256:" + kHex, "application/vnd.ollama.image.license").toStdString()),
              "m: no layer has mediaType application/vnd.ollama.image.model");
    // A digest is turned into a file name: anything but 64 hex digits could point outside blobs/.
    EXPECT_EQ(manifestError(manifest("sha256:../../etc/passwd").toStdString()),
              "m: layers[1].digest is not sha256:<64 lowercase hex digits>");
    EXPECT_EQ(manifestError(manifest("md5:" + kHex).toStdString()), "m: layers[1].digest is not sha256:<64 lowercase hex digits>");
}

TEST(GgufProbeTest, namesQuantizationsFromFileTypeOrFileName)
{
    EXPECT_EQ(GgufProbe::quantName(15), "Q4_K_M");
    EXPECT_EQ(GgufProbe::quantName(17), "Q5_K_M");
    EXPECT_EQ(GgufProbe::quantName(18), "Q6_K");
    EXPECT_EQ(GgufProbe::quantName(7), "Q8_0");
    EXPECT_EQ(GgufProbe::quantName(1024 + 15), "Q4_K_M");  // llama.cpp's "guessed" bit
    EXPECT_EQ(GgufProbe::quantName(5), "");
    EXPECT_EQ(GgufProbe::quantFromFileName("DeepSeek-Coder-V2-Lite-Instruct-Q5_K_M.gguf"), "Q5_K_M");
    EXPECT_EQ(GgufProbe::quantFromFileName("DeepSeek-V2-Lite-Chat.Q8_0.gguf"), "Q8_0");
    EXPECT_EQ(GgufProbe::quantFromFileName("model-q6_k.gguf"), "Q6_K");
    EXPECT_EQ(GgufProbe::quantFromFileName("model.gguf"), "");
}

class GgufFinders : public ::testing::Test {
protected:
    QString root() const { return m_tmp.path(); }
    QTemporaryDir m_tmp;
};

TEST_F(GgufFinders, hubCacheFindsGgufSnapshotsAndSkipsBrokenOnes)
{
    const QString repo = root() + "/hub/models--bartowski--X-GGUF";
    writeGguf(repo + "/blobs/" + kHex);
    QDir().mkpath(repo + "/snapshots/c1");
    std::filesystem::create_symlink(("../../blobs/" + kHex).toStdString(), (repo + "/snapshots/c1/X-Q4_K_M.gguf").toStdString());
    std::filesystem::create_symlink("../../blobs/gone", (repo + "/snapshots/c1/X-Q8_0.gguf").toStdString());
    writeText(repo + "/snapshots/c1/bad-Q6_K.gguf", "GGUF but not really");
    writeText(root() + "/hub/models--a--safetensors/snapshots/c/config.json", "{}");
    QStringList skipped;
    const QList<LocalGguf> found = HubGgufFinder(root() + "/hub").find(&skipped);
    ASSERT_EQ(found.size(), 1);
    EXPECT_EQ(found[0].label, "bartowski/X-GGUF/X-Q4_K_M.gguf");
    EXPECT_EQ(found[0].quant, "Q4_K_M");
    EXPECT_EQ(found[0].architecture, "deepseek2");
    EXPECT_TRUE(found[0].runnable());
    EXPECT_EQ(found[0].source, LocalGguf::Source::HubCache);
    ASSERT_EQ(skipped.size(), 2);
    EXPECT_TRUE(skipped.join('\n').contains("X-Q8_0.gguf: the link's blob is missing")) << qPrintable(skipped.join('\n'));
    EXPECT_TRUE(skipped.join('\n').contains("bad-Q6_K.gguf")) << qPrintable(skipped.join('\n'));
}

TEST_F(GgufFinders, ollamaManifestsLeadToGgufBlobs)
{
    const QString models = root() + "/ollama";
    const QString other = QString(kHex).replace('0', 'f');
    const QString third = QString(kHex).replace('1', 'e');
    writeGguf(models + "/blobs/sha256-" + kHex, "deepseek2", 17);
    writeText(models + "/manifests/registry.ollama.ai/library/deepseek-coder-v2/16b", manifest("sha256:" + kHex));
    writeGguf(models + "/blobs/sha256-" + other, "llama", 15, "Llama");
    writeText(models + "/manifests/registry.ollama.ai/library/llama3/latest", manifest("sha256:" + other));
    writeText(models + "/manifests/hf.co/someone/model/Q4", "{not json");
    writeText(models + "/manifests/registry.ollama.ai/library/gone/latest", manifest("sha256:" + third));
    const QString fourth = QString(kHex).replace('2', 'd');
    writeText(models + "/blobs/sha256-" + fourth, "not gguf");
    writeText(models + "/manifests/registry.ollama.ai/library/notgguf/latest", manifest("sha256:" + fourth));
    QStringList skipped;
    QList<LocalGguf> found = OllamaGgufFinder(models).find(&skipped);
    std::sort(found.begin(), found.end(), [](const LocalGguf& a, const LocalGguf& b) { return a.label < b.label; });
    ASSERT_EQ(found.size(), 2);
    EXPECT_EQ(found[0].label, "deepseek-coder-v2:16b");
    EXPECT_EQ(found[0].path, models + "/blobs/sha256-" + kHex);
    EXPECT_EQ(found[0].quant, "Q5_K_M");
    EXPECT_TRUE(found[0].runnable());
    EXPECT_EQ(found[1].label, "llama3:latest");
    EXPECT_FALSE(found[1].runnable());  // listed, marked "not supported by Fathom"
    const QString why = skipped.join('\n');
    ASSERT_EQ(skipped.size(), 3) << qPrintable(why);
    EXPECT_TRUE(why.contains("hf.co/someone/model/Q4: not valid JSON")) << qPrintable(why);
    EXPECT_TRUE(why.contains("gone/latest: its model blob")) << qPrintable(why);
    EXPECT_TRUE(why.contains(": not a GGUF file (no GGUF magic)")) << qPrintable(why);
    EXPECT_EQ(OllamaGgufFinder::displayName("hf.co/bartowski/X-GGUF/Q4_K_M"), "hf.co/bartowski/X-GGUF:Q4_K_M");
}

TEST_F(GgufFinders, ollamaModelsEnvironmentVariableMovesTheRoot)
{
    qputenv("OLLAMA_MODELS", (root() + "/elsewhere").toUtf8());
    EXPECT_EQ(OllamaGgufFinder::defaultRoot(), root() + "/elsewhere");
    qunsetenv("OLLAMA_MODELS");
    EXPECT_EQ(OllamaGgufFinder::defaultRoot(), QDir::homePath() + "/.ollama/models");
}

TEST_F(GgufFinders, lmStudioFindsPublisherRepoFilesInBothLayouts)
{
    writeGguf(root() + "/new/lmstudio-community/DeepSeek-Coder-V2-Lite-Instruct-GGUF/DeepSeek-Coder-V2-Lite-Instruct-Q6_K.gguf", "deepseek2", -1);
    writeGguf(root() + "/old/TheBloke/Other-GGUF/other.Q8_0.gguf", "qwen2", 7, "Qwen");
    writeGguf(root() + "/new/too/deep/nested/x.gguf");  // not LM Studio's layout
    writeText(root() + "/new/p/r/broken.gguf", "GGUFxx");
    QStringList skipped;
    const QList<LocalGguf> found = LmStudioGgufFinder({root() + "/new", root() + "/old", root() + "/absent"}).find(&skipped);
    ASSERT_EQ(found.size(), 2);
    EXPECT_EQ(found[0].label, "lmstudio-community/DeepSeek-Coder-V2-Lite-Instruct-GGUF/DeepSeek-Coder-V2-Lite-Instruct-Q6_K.gguf");
    EXPECT_EQ(found[0].quant, "Q6_K");  // no general.file_type: from the file name
    EXPECT_EQ(found[0].source, LocalGguf::Source::LmStudio);
    EXPECT_EQ(found[1].quant, "Q8_0");
    EXPECT_FALSE(found[1].runnable());
    ASSERT_EQ(skipped.size(), 1);
    EXPECT_TRUE(skipped[0].startsWith(root() + "/new/p/r/broken.gguf: ")) << qPrintable(skipped[0]);
}

TEST_F(GgufFinders, discoveryListsEverySourceInOrder)
{
    writeGguf(root() + "/lm/p/r/a-Q4_K_M.gguf");
    writeGguf(root() + "/ollama/blobs/sha256-" + kHex);
    writeText(root() + "/ollama/manifests/registry.ollama.ai/library/m/t", manifest("sha256:" + kHex));
    const QList<LocalGguf> found = GgufDiscovery({root() + "/nohub", root() + "/ollama", {root() + "/lm"}}).find();
    ASSERT_EQ(found.size(), 2);
    EXPECT_EQ(found[0].source, LocalGguf::Source::Ollama);
    EXPECT_EQ(found[1].source, LocalGguf::Source::LmStudio);
    EXPECT_EQ(LocalGguf::sourceName(found[0].source), "Ollama");
}
