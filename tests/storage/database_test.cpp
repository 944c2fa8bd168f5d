// Database: how the file is opened and configured.
#include "base/error.h"
#include "storage/database.h"
#include "storage/migrations.h"
#include "storage/statement.h"
#include "storage/transaction.h"
#include "tests/storage/test_db.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace fathom::storage;

namespace {

std::string pragmaText(const Database& db, const char* sql)
{
    Statement s(db, sql);
    return s.step() ? s.textAt(0) : "";
}

}  // namespace

TEST(Database, opensInWalModeWithForeignKeysAndTheNewestSchema)
{
    test::TempDir dir;
    Database db(dir.file("fathom.db"));
    EXPECT_EQ(pragmaText(db, "PRAGMA journal_mode"), "wal");
    EXPECT_EQ(pragmaText(db, "PRAGMA foreign_keys"), "1");
    EXPECT_EQ(pragmaText(db, "PRAGMA synchronous"), "2");  // FULL
    EXPECT_EQ(pragmaText(db, "PRAGMA busy_timeout"), "5000");
    EXPECT_EQ(db.userVersion(), kSchemaVersion);
    EXPECT_EQ(pragmaText(db, "PRAGMA integrity_check"), "ok");
}

TEST(Database, refusesAFileFromANewerFathomNamingBothVersions)
{
    test::TempDir dir;
    {
        Database db(dir.file("fathom.db"));
        db.exec("PRAGMA user_version=" + std::to_string(kSchemaVersion + 5));
    }
    try {
        Database db(dir.file("fathom.db"));
        FAIL() << "opened a newer schema";
    } catch (const fathom::Error& e) {
        std::string m = e.what();
        EXPECT_EQ(e.kind(), fathom::ErrorKind::UserInput);
        EXPECT_NE(m.find("fathom.db"), std::string::npos) << m;
        EXPECT_NE(m.find("newer Fathom"), std::string::npos) << m;
        EXPECT_NE(m.find(std::to_string(kSchemaVersion + 5)), std::string::npos) << m;
    }
}

TEST(Database, rejectsAFileThatIsNotADatabase)
{
    test::TempDir dir;
    std::ofstream(dir.file("notes.txt")) << std::string(4096, 'x');
    try {
        Database db(dir.file("notes.txt"));
        FAIL() << "opened a text file";
    } catch (const fathom::Error& e) {
        EXPECT_EQ(e.kind(), fathom::ErrorKind::UserInput);
        EXPECT_NE(std::string(e.what()).find("notes.txt: not a Fathom database"), std::string::npos) << e.what();
    }
}

TEST(Database, reportsAMissingFolderNamingTheFile)
{
    test::TempDir dir;
    try {
        Database db(dir.file("no/such/folder/fathom.db"));
        FAIL();
    } catch (const fathom::Error& e) {
        EXPECT_EQ(e.kind(), fathom::ErrorKind::UserInput);
        EXPECT_NE(std::string(e.what()).find("folder/fathom.db"), std::string::npos) << e.what();
    }
}

// Issue 18: a database path that is a folder, or under a symlink loop, says so (a user error).
TEST(Database, saysWhenThePathIsAFolderOrASymlinkLoop)
{
    test::TempDir dir;
    auto openError = [](const std::string& path) {
        try {
            Database db(path);
        } catch (const fathom::Error& e) {
            EXPECT_EQ(e.kind(), fathom::ErrorKind::UserInput) << e.what();
            return std::string(e.what());
        }
        return std::string();
    };
    const std::string folder = openError(dir.path().string());
    EXPECT_NE(folder.find(dir.path().string() + ": is a folder; give the path of a file inside it"), std::string::npos) << folder;
    std::filesystem::create_directory_symlink(dir.file("loop"), dir.file("loop"));
    const std::string loop = openError(dir.file("loop/chats.db"));
    EXPECT_NE(loop.find("loop/chats.db: too many levels of symbolic links"), std::string::npos) << loop;
    std::ofstream(dir.file("plain")) << "x";
    const std::string notFolder = openError(dir.file("plain/chats.db"));
    EXPECT_NE(notFolder.find("plain/chats.db: a part of the path is not a folder"), std::string::npos) << notFolder;
}

TEST(Database, rollsBackATransactionLeftByAnException)
{
    test::TempDir dir;
    Database db(dir.file("fathom.db"));
    EXPECT_THROW(inTransaction(db, [&] {
                     db.exec("INSERT INTO settings(key, value) VALUES ('a', '1')");
                     throw std::runtime_error("boom");
                 }),
                 std::runtime_error);
    EXPECT_EQ(pragmaText(db, "SELECT count(*) FROM settings"), "0");
    // Nested: the inner failure undoes only the inner part.
    inTransaction(db, [&] {
        db.exec("INSERT INTO settings(key, value) VALUES ('outer', '1')");
        try {
            inTransaction(db, [&] {
                db.exec("INSERT INTO settings(key, value) VALUES ('inner', '1')");
                throw std::runtime_error("inner");
            });
        } catch (const std::runtime_error&) {
        }
    });
    EXPECT_EQ(pragmaText(db, "SELECT group_concat(key) FROM settings"), "outer");
}

TEST(Database, enforcesForeignKeys)
{
    test::TempDir dir;
    Database db(dir.file("fathom.db"));
    EXPECT_THROW(db.exec("INSERT INTO messages(conversation_id, role, status, created_at, updated_at) "
                         "VALUES (999, 'user', 'complete', 0, 0)"),
                 fathom::Error);
}
