// Migrations: every earlier schema version upgrades to the newest, keeping its data; a failing step
// leaves the previous version intact; leftover `streaming` replies become `interrupted` on open.
#include "base/error.h"
#include "storage/conversation_store.h"
#include "storage/database.h"
#include "storage/migrations.h"
#include "storage/statement.h"
#include "tests/storage/test_db.h"

#include <gtest/gtest.h>

#include <functional>

using namespace fathom::storage;

namespace {

std::string schemaOf(const Database& db)
{
    Statement s(db, "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema ORDER BY type, name");
    std::string out;
    while (s.step())
        out += s.textAt(0) + " " + s.textAt(1) + " " + s.textAt(2) + "\n" + s.textAt(3) + "\n";
    return out;
}

// Per version N: data written with version N's schema (raw SQL: the C++ API only knows the newest),
// and a check that it reads back after upgrading. Adding schema version N+1 means adding a row.
struct VersionFixture {
    std::function<void(const Database&)> seed;
    std::function<void(const Database&)> check;
};

const std::vector<VersionFixture>& fixtures()
{
    static const std::vector<VersionFixture> f = {
        // v0: an empty file (first start of Fathom).
        {[](const Database&) {}, [](const Database&) {}},
    };
    return f;
}

}  // namespace

TEST(Migrations, thereIsAFixtureForEveryEarlierVersion)
{
    EXPECT_EQ(fixtures().size(), static_cast<std::size_t>(kSchemaVersion));
    ASSERT_EQ(migrationSteps().size(), static_cast<std::size_t>(kSchemaVersion));
    for (std::size_t i = 0; i < migrationSteps().size(); ++i)
        EXPECT_EQ(migrationSteps()[i].toVersion, static_cast<int>(i) + 1);
}

TEST(Migrations, upgradesEveryEarlierVersionToTheNewestSchemaKeepingData)
{
    test::TempDir dir;
    std::string fresh;
    {
        Database db(dir.file("fresh.db"));
        fresh = schemaOf(db);
    }
    for (int from = 0; from < kSchemaVersion; ++from) {
        SCOPED_TRACE(std::string("from version ").append(std::to_string(from)));
        std::string path = dir.file(std::string("v").append(std::to_string(from)).append(".db"));
        {
            DatabaseOptions old;
            old.schemaVersion = from;
            Database db(path, old);
            ASSERT_EQ(db.userVersion(), from);
            fixtures()[static_cast<std::size_t>(from)].seed(db);
        }
        Database db(path);
        EXPECT_EQ(db.userVersion(), kSchemaVersion);
        EXPECT_EQ(schemaOf(db), fresh);
        fixtures()[static_cast<std::size_t>(from)].check(db);
        Statement ok(db, "PRAGMA integrity_check");
        ASSERT_TRUE(ok.step());
        EXPECT_EQ(ok.textAt(0), "ok");
    }
}

TEST(Migrations, aFailingStepLeavesThePreviousVersionIntact)
{
    test::TempDir dir;
    DatabaseOptions none;
    none.schemaVersion = 0;
    Database db(dir.file("fathom.db"), none);
    const MigrationStep steps[] = {
        {1, "make a table", [](const Database& d) { d.exec("CREATE TABLE a(x)"); }},
        {2, "half a change", [](const Database& d) {
             d.exec("CREATE TABLE b(x)");
             d.exec("THIS IS NOT SQL");
         }},
    };
    try {
        migrate(db, steps, 2);
        FAIL() << "a failing step passed";
    } catch (const fathom::Error& e) {
        EXPECT_NE(std::string(e.what()).find("schema to version 2: half a change"), std::string::npos) << e.what();
    }
    EXPECT_EQ(db.userVersion(), 1);
    Statement s(db, "SELECT group_concat(name) FROM sqlite_schema");
    ASSERT_TRUE(s.step());
    EXPECT_EQ(s.textAt(0), "a");  // table b was rolled back with its step
}

TEST(InterruptedOnOpen, leftoverStreamingRepliesBecomeInterrupted)
{
    test::TempDir dir;
    std::int64_t reply = 0, done = 0;
    {
        Database db(dir.file("fathom.db"));
        ConversationStore store(db);
        auto c = store.createConversation();
        auto u = store.addMessage(c, 0, MessageRole::User, "hi");
        done = store.beginReply(c, u, "m", "{}");
        store.finishReply(done, MessageStatus::Complete, "hello", "", {});
        reply = store.beginReply(c, u, "m", "{}");
        store.updateReply(reply, "partial ans", "", 2);
        // The process "dies" here: the reply is never finished.
    }
    Database db(dir.file("fathom.db"));
    EXPECT_EQ(db.interruptedOnOpen(), 1);
    ConversationStore store(db);
    EXPECT_EQ(store.message(reply).status, MessageStatus::Interrupted);
    EXPECT_EQ(store.message(reply).content, "partial ans");
    EXPECT_EQ(store.message(done).status, MessageStatus::Complete);
}

TEST(InterruptedOnOpen, leavesRepliesAloneWhileAnotherConnectionHasTheFileOpen)
{
    test::TempDir dir;
    Database app(dir.file("fathom.db"));  // the app, streaming
    ConversationStore store(app);
    auto c = store.createConversation();
    auto u = store.addMessage(c, 0, MessageRole::User, "hi");
    auto reply = store.beginReply(c, u, "m", "{}");
    {
        Database cli(dir.file("fathom.db"));  // e.g. fathom-cli chat --list meanwhile
        EXPECT_EQ(cli.interruptedOnOpen(), 0);
    }
    EXPECT_EQ(store.message(reply).status, MessageStatus::Streaming);
}
