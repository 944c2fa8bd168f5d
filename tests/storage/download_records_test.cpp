// DownloadRecords: the API the download manager resumes from.
#include "storage/database.h"
#include "storage/download_records.h"
#include "base/error.h"
#include "tests/storage/test_db.h"

#include <gtest/gtest.h>

using namespace fathom::storage;

namespace {

DownloadFileRecord record(const std::string& repo, const std::string& path, const std::string& state)
{
    DownloadFileRecord r;
    r.repo = repo;
    r.path = path;
    r.revision = "main";
    r.commit = "0123456789abcdef0123456789abcdef01234567";
    r.sha256 = std::string(64, 'a');
    r.size = 1000;
    r.bytesDone = 10;
    r.state = state;
    return r;
}

}  // namespace

TEST(DownloadRecords, upsertReplacesTheRecordWithTheSameRepoAndPath)
{
    test::TempDir dir;
    Database db(dir.file("fathom.db"));
    DownloadRecords records(db);
    records.upsert(record("org/a", "model.safetensors", "queued"));
    auto r = record("org/a", "model.safetensors", "active");
    r.bytesDone = 500;
    r.error = "";
    r.updatedAt = 1234;
    records.upsert(r);
    auto all = records.list();
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].state, "active");
    EXPECT_EQ(all[0].bytesDone, 500);
    EXPECT_EQ(all[0].updatedAt, 1234);
    EXPECT_EQ(all[0].commit, r.commit);
    EXPECT_EQ(all[0].sha256, r.sha256);
    EXPECT_EQ(all[0].revision, "main");
    EXPECT_EQ(all[0].size, 1000);
}

TEST(DownloadRecords, keepsRecordsAcrossReopen)
{
    test::TempDir dir;
    {
        Database db(dir.file("fathom.db"));
        DownloadRecords(db).upsert(record("org/a", "config.json", "paused"));
    }
    Database db(dir.file("fathom.db"));
    auto all = DownloadRecords(db).list();
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].state, "paused");
    EXPECT_GT(all[0].updatedAt, 0);  // 0 means "stamp it now"
}

TEST(DownloadRecords, listsByRepoAndRemovesFilesOrWholeRepos)
{
    test::TempDir dir;
    Database db(dir.file("fathom.db"));
    DownloadRecords records(db);
    records.upsert(record("org/b", "x.bin", "done"));
    records.upsert(record("org/a", "b.bin", "failed"));
    records.upsert(record("org/a", "a.bin", "queued"));
    auto all = records.list();
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].path, "a.bin");
    EXPECT_EQ(all[1].path, "b.bin");
    EXPECT_EQ(all[2].repo, "org/b");
    EXPECT_EQ(records.forRepo("org/a").size(), 2u);
    records.remove("org/a", "a.bin");
    ASSERT_EQ(records.forRepo("org/a").size(), 1u);
    EXPECT_EQ(records.forRepo("org/a")[0].path, "b.bin");
    records.removeRepo("org/a");
    EXPECT_TRUE(records.forRepo("org/a").empty());
    EXPECT_EQ(records.list().size(), 1u);
}

TEST(DownloadRecords, rejectsUnknownStateNamingIt)
{
    test::TempDir dir;
    Database db(dir.file("fathom.db"));
    try {
        DownloadRecords(db).upsert(record("org/a", "a.bin", "downloading"));
        FAIL() << "accepted an unknown state";
    } catch (const fathom::Error& e) {
        EXPECT_EQ(e.kind(), fathom::ErrorKind::UserInput);
        EXPECT_NE(std::string(e.what()).find("'downloading'"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(DownloadRecords(db).list().empty());
}
