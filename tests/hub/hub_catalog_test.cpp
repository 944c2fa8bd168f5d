// The built-in model catalog, its validation, what a user may type as a model, and the cache scanner.
#include "app/hub/hub_cache_scanner.h"
#include "app/hub/model_catalog.h"
#include "base/error.h"

#include <QDir>
#include <QRegularExpression>
#include <QFile>
#include <QTemporaryDir>

#include <gtest/gtest.h>

#include <filesystem>

using namespace fathom::app;

namespace {

std::string errorOf(const QByteArray& json)
{
    try {
        ModelCatalog::fromJson(json, "cat.json");
    } catch (const fathom::Error& e) {
        return e.what();
    }
    return "(accepted)";
}

QByteArray oneModel(const QString& field, const QString& jsonValue)
{
    QString m = QStringLiteral(R"({"repo": "a/b", "name": "B", "uses": ["chat"], "parameters": "1B",
        "downloadBytes": 10, "vramGB": 1, "contextTokens": 4096, "promptFormat": "deepseek-v2",
        "license": "MIT", "licenseUrl": "https://x/y", "description": "d"})");
    if (!field.isEmpty())
        m.replace(QRegularExpression(QStringLiteral("\"%1\": (\"[^\"]*\"|\\[[^\\]]*\\]|[0-9]+)").arg(field)),
                  QStringLiteral("\"%1\": %2").arg(field, jsonValue));
    return QStringLiteral(R"({"version": 1, "models": [%1]})").arg(m).toUtf8();
}

TEST(ModelCatalogTest, builtinCatalogListsTheThreeDeepSeekModels)
{
    const ModelCatalog c = ModelCatalog::builtin();
    ASSERT_EQ(c.models().size(), 3);
    const CatalogModel* base = c.find("deepseek-ai/DeepSeek-Coder-V2-Lite-Base");
    ASSERT_NE(base, nullptr);
    EXPECT_EQ(base->uses, QStringList{"completion"});
    EXPECT_EQ(base->promptFormat, "fim");
    ASSERT_NE(c.find("deepseek-ai/DeepSeek-Coder-V2-Lite-Instruct"), nullptr);
    const CatalogModel* chat = c.find("deepseek-ai/DeepSeek-V2-Lite-Chat");
    ASSERT_NE(chat, nullptr);
    EXPECT_EQ(chat->uses, QStringList{"chat"});
    for (const CatalogModel& m : c.models()) {
        EXPECT_GT(m.downloadBytes, 30'000'000'000) << qPrintable(m.repo);  // 15.7B bf16 parameters
        EXPECT_GT(m.vramGB, 31) << qPrintable(m.repo);
        EXPECT_FALSE(m.license.isEmpty());
        EXPECT_EQ(m.revision, "main");
    }
}

TEST(ModelCatalogTest, acceptsAWellFormedEntry) { EXPECT_EQ(errorOf(oneModel({}, {})), "(accepted)"); }

TEST(ModelCatalogTest, rejectsBadEntriesNamingTheField)
{
    EXPECT_EQ(errorOf(oneModel("repo", "\"../x\"")), "cat.json: models[0].repo '../x' is not an ORG/NAME repo id");
    EXPECT_EQ(errorOf(oneModel("uses", "[\"painting\"]")),
              "cat.json: models[0].uses has 'painting'; known uses are chat and completion");
    EXPECT_EQ(errorOf(oneModel("uses", "[]")), "cat.json: models[0].uses must be a non-empty array of strings");
    EXPECT_EQ(errorOf(oneModel("downloadBytes", "\"big\"")), "cat.json: models[0].downloadBytes must be a number from 1 to 1e+15");
    EXPECT_EQ(errorOf(oneModel("name", "\"\"")), "cat.json: models[0].name must be a non-empty string");
    EXPECT_EQ(errorOf("[]"), "cat.json: the top level is not a JSON object");
    EXPECT_EQ(errorOf("{\"version\": 1,"), "cat.json: not valid JSON: unterminated object at offset 14");
    EXPECT_EQ(errorOf(R"({"version": 2, "models": []})"), "cat.json: unsupported catalog version (expected 1)");
    QByteArray twice = oneModel({}, {});
    twice.replace("[{", "[{\"repo\": \"a/b\", \"name\": \"B\", \"uses\": [\"chat\"], \"parameters\": \"1B\", \"downloadBytes\": 10, "
                        "\"vramGB\": 1, \"contextTokens\": 4096, \"promptFormat\": \"fim\", \"license\": \"MIT\", "
                        "\"licenseUrl\": \"https://x\", \"description\": \"d\"}, {");
    EXPECT_EQ(errorOf(twice), "cat.json: models[1].repo 'a/b' is listed twice");
}

TEST(ModelSourceTest, takesRepoIdsHubUrlsAndModelFolders)
{
    ModelSource s = ModelSource::parse(" deepseek-ai/DeepSeek-V2-Lite-Chat ");
    EXPECT_EQ(s.kind, ModelSource::Kind::HubRepo);
    EXPECT_EQ(s.repo, "deepseek-ai/DeepSeek-V2-Lite-Chat");
    EXPECT_EQ(ModelSource::parse("https://huggingface.co/org/name").repo, "org/name");
    QTemporaryDir dir;
    QFile(dir.path() + "/config.json").open(QIODevice::WriteOnly);
    s = ModelSource::parse(dir.path());
    EXPECT_EQ(s.kind, ModelSource::Kind::LocalFolder);
    EXPECT_EQ(s.folder, dir.path());
}

TEST(ModelSourceTest, explainsWhatIsWrong)
{
    QTemporaryDir empty;
    try {
        ModelSource::parse(empty.path());
        FAIL();
    } catch (const fathom::Error& e) {
        EXPECT_TRUE(std::string(e.what()).find("has no config.json") != std::string::npos) << e.what();
    }
    EXPECT_THROW(ModelSource::parse("/no/such/folder"), fathom::Error);
    EXPECT_THROW(ModelSource::parse("just-a-name"), fathom::Error);
}

TEST(HubCacheScannerTest, listsModelsFromAnyToolWithDiskUseAndDeletesOne)
{
    namespace fs = std::filesystem;
    QTemporaryDir tmp;
    const fs::path root = tmp.path().toStdString();
    // A repo laid out as huggingface_hub leaves it, one partial download, and things to skip.
    const fs::path repo = root / "models--deepseek-ai--DeepSeek-V2-Lite-Chat";
    const std::string commit(40, 'c');
    fs::create_directories(repo / "blobs");
    fs::create_directories(repo / "refs");
    fs::create_directories(repo / "snapshots" / commit);
    auto write = [](const fs::path& p, size_t n) {
        QFile f(QString::fromStdString(p.string()));
        f.open(QIODevice::WriteOnly);
        f.write(QByteArray(qsizetype(n), 'x'));
    };
    write(repo / "blobs" / std::string(64, 'a'), 1000);
    write(repo / "blobs" / std::string(40, 'b'), 10);
    write(repo / "blobs" / (std::string(64, 'd') + ".incomplete"), 500);
    write(repo / "refs" / "main", 0);
    QFile ref(QString::fromStdString((repo / "refs" / "main").string()));
    ref.open(QIODevice::WriteOnly);
    ref.write(QByteArray::fromStdString(commit));
    ref.close();
    fs::create_symlink(fs::path("../../blobs") / std::string(64, 'a'), repo / "snapshots" / commit / "model.safetensors");
    fs::create_symlink(fs::path("../../blobs") / std::string(40, 'b'), repo / "snapshots" / commit / "config.json");
    fs::create_symlink(fs::path("../../blobs") / std::string(64, 'e'), repo / "snapshots" / commit / "gone.bin");
    fs::create_directories(root / "datasets--x--y");
    fs::create_directories(root / ".locks" / "models--deepseek-ai--DeepSeek-V2-Lite-Chat");
    fs::create_directories(root / "models--bad");

    const HubCacheScanner scanner{HubCache(tmp.path())};
    const QList<CachedModel> models = scanner.scan();
    ASSERT_EQ(models.size(), 1);
    const CachedModel& m = models[0];
    EXPECT_EQ(m.repo, "deepseek-ai/DeepSeek-V2-Lite-Chat");
    EXPECT_EQ(m.diskBytes, 1000 + 10 + 500 + 40);  // blobs, partial file, ref; symlinks not counted twice
    EXPECT_EQ(m.partialBytes, 500);
    EXPECT_EQ(m.refs.value("main"), QString::fromStdString(commit));
    ASSERT_EQ(m.snapshots.size(), 1);
    EXPECT_EQ(m.snapshots[0].files, 3);
    EXPECT_EQ(m.snapshots[0].missingFiles, 1);
    EXPECT_TRUE(m.snapshots[0].hasConfig);
    EXPECT_EQ(scanner.snapshotFor("deepseek-ai/DeepSeek-V2-Lite-Chat"), QString::fromStdString((repo / "snapshots" / commit).string()));
    EXPECT_TRUE(scanner.snapshotFor("deepseek-ai/DeepSeek-V2-Lite-Chat", "dev").isEmpty());

    scanner.remove("deepseek-ai/DeepSeek-V2-Lite-Chat");
    EXPECT_FALSE(fs::exists(repo));
    EXPECT_FALSE(fs::exists(root / ".locks" / "models--deepseek-ai--DeepSeek-V2-Lite-Chat"));
    EXPECT_TRUE(fs::exists(root / "datasets--x--y"));
    EXPECT_TRUE(scanner.scan().isEmpty());
    EXPECT_THROW(scanner.remove("../.."), fathom::Error);
}

}  // namespace
