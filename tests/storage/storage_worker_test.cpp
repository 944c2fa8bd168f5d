// StorageWorker: storage jobs on their own thread, results through callbacks.
#include "storage/conversation_store.h"
#include "storage/reply_writer.h"
#include "storage/storage_worker.h"
#include "tests/storage/test_db.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

using namespace fathom::storage;

TEST(StorageWorker, runsJobsInOrderOnItsOwnThreadAndReturnsResults)
{
    test::TempDir dir;
    std::thread::id workerThread;
    StorageWorker worker(dir.file("fathom.db"), {}, [&](const Database* db, const fathom::Error* error) {
        EXPECT_TRUE(db);
        EXPECT_FALSE(error);
        workerThread = std::this_thread::get_id();
    });
    std::int64_t conv = 0;
    std::vector<std::string> order;
    worker.submit([](Database& db) { return ConversationStore(db).createConversation("t"); },
                  [&](std::int64_t id) {
                      conv = id;
                      order.push_back("created");
                      EXPECT_EQ(std::this_thread::get_id(), workerThread);
                  });
    worker.post([&](Database& db) {
        ConversationStore(db).addMessage(conv, 0, MessageRole::User, "hello");
        order.push_back("added");
    });
    std::vector<Message> path;
    worker.submit([&](Database& db) { return ConversationStore(db).activePath(conv); },
                  [&](std::vector<Message> p) { path = std::move(p); });
    worker.waitIdle();
    EXPECT_NE(workerThread, std::this_thread::get_id());
    EXPECT_EQ(order, (std::vector<std::string>{"created", "added"}));
    ASSERT_EQ(path.size(), 1u);
    EXPECT_EQ(path[0].content, "hello");
}

TEST(StorageWorker, reportsJobErrorsAndKeepsGoing)
{
    test::TempDir dir;
    StorageWorker worker(dir.file("fathom.db"));
    std::string error;
    worker.post([](Database& db) { ConversationStore(db).conversation(42); },
                [&](const fathom::Error& e) { error = e.what(); });
    std::atomic<bool> ran{false};
    worker.post([&](Database&) { ran = true; });
    worker.waitIdle();
    EXPECT_NE(error.find("no conversation 42"), std::string::npos) << error;
    EXPECT_TRUE(ran);
}

TEST(StorageWorker, aDatabaseThatCannotOpenFailsEveryJobWithTheReason)
{
    test::TempDir dir;
    std::string openError, jobError;
    StorageWorker worker(dir.file("missing/folder/fathom.db"), {},
                         [&](const Database* db, const fathom::Error* e) {
                             EXPECT_FALSE(db);
                             openError = e ? e->what() : "";
                         });
    worker.post([](Database&) {}, [&](const fathom::Error& e) { jobError = e.what(); });
    worker.waitIdle();
    EXPECT_NE(openError.find("folder/fathom.db"), std::string::npos) << openError;
    EXPECT_EQ(jobError, openError);
}

TEST(StorageWorker, aReplyWriterQueuesItsSavesOnTheWorker)
{
    test::TempDir dir;
    std::int64_t conv = 0, reply = 0;
    {
        StorageWorker worker(dir.file("fathom.db"));
        worker.post([&](Database& db) {
            ConversationStore store(db);
            conv = store.createConversation();
            reply = store.beginReply(conv, store.addMessage(conv, 0, MessageRole::User, "q"), "m", "{}");
        });
        worker.waitIdle();
        ReplyWriter writer(ReplyWriter::toWorker(worker, reply));
        for (int i = 0; i < 64; ++i)
            writer.appendContent("x");
        auto full = writer.finish();
        worker.post([&, full](Database& db) {
            ConversationStore(db).finishReply(reply, MessageStatus::Complete, full.content, "", {1, full.tokens, 0, 0});
        });
    }  // the destructor runs what is queued before closing
    Database db(dir.file("fathom.db"));
    auto m = ConversationStore(db).message(reply);
    EXPECT_EQ(m.content, std::string(64, 'x'));
    EXPECT_EQ(m.status, MessageStatus::Complete);
}
