// ConversationStore: conversations, the message tree, branches.
#include "base/error.h"
#include "storage/conversation_store.h"
#include "storage/database.h"
#include "storage/transaction.h"
#include "tests/storage/test_db.h"

#include <gtest/gtest.h>

using namespace fathom::storage;

namespace {

std::vector<std::string> contents(const std::vector<Message>& path)
{
    std::vector<std::string> out;
    for (const auto& m : path)
        out.push_back(m.content);
    return out;
}

struct Chat : ::testing::Test {
    test::TempDir dir;
    Database db{dir.file("fathom.db")};
    ConversationStore store{db};
    std::int64_t conv = store.createConversation("Rust questions");

    std::int64_t reply(std::int64_t parent, const std::string& text)
    {
        auto id = store.beginReply(conv, parent, "/models/lite", R"({"temperature":0.7})");
        store.finishReply(id, MessageStatus::Complete, text, "", {10, 3, 50.0, 120.0});
        return id;
    }
};

}  // namespace

TEST_F(Chat, activePathFollowsTheNewestTurns)
{
    auto sys = store.addMessage(conv, 0, MessageRole::System, "Be brief.");
    auto u1 = store.addMessage(conv, sys, MessageRole::User, "hi");
    auto a1 = reply(u1, "hello");
    auto u2 = store.addMessage(conv, a1, MessageRole::User, "what is a trait?");
    reply(u2, "an interface");
    EXPECT_EQ(contents(store.activePath(conv)),
              (std::vector<std::string>{"Be brief.", "hi", "hello", "what is a trait?", "an interface"}));
    auto path = store.activePath(conv);
    EXPECT_EQ(path[2].role, MessageRole::Assistant);
    EXPECT_EQ(path[2].model, "/models/lite");
    EXPECT_EQ(path[2].settingsJson, R"({"temperature":0.7})");
    EXPECT_EQ(path[2].stats.completionTokens, 3);
    EXPECT_DOUBLE_EQ(path[2].stats.tokensPerSecond, 50.0);
    EXPECT_DOUBLE_EQ(path[2].stats.timeToFirstTokenMs, 120.0);
    EXPECT_EQ(path[2].status, MessageStatus::Complete);
}

TEST_F(Chat, editingAMessageAddsASiblingBranchAndKeepsTheOld)
{
    auto u1 = store.addMessage(conv, 0, MessageRole::User, "hi");
    auto a1 = reply(u1, "hello");
    auto u2 = store.addMessage(conv, a1, MessageRole::User, "tell me about lifetimes");
    reply(u2, "lifetimes are...");
    auto u2b = store.editMessage(u2, "tell me about traits");
    EXPECT_EQ(store.message(u2b).role, MessageRole::User);
    EXPECT_EQ(store.message(u2b).parentId, a1);
    reply(u2b, "traits are...");
    EXPECT_EQ(contents(store.activePath(conv)),
              (std::vector<std::string>{"hi", "hello", "tell me about traits", "traits are..."}));
    auto info = store.siblings(u2b);
    EXPECT_EQ(info.index, 2);
    EXPECT_EQ(info.count, 2);
    EXPECT_EQ(info.previousId, u2);
    EXPECT_EQ(info.nextId, 0);
    EXPECT_EQ(store.allMessages(conv).size(), 6u);
}

TEST_F(Chat, switchingBranchesRemembersEachBranchsOwnDeeperChoice)
{
    auto u1 = store.addMessage(conv, 0, MessageRole::User, "q");
    auto a = reply(u1, "A");
    auto b = reply(u1, "B");  // regenerate
    auto c = reply(u1, "C");
    EXPECT_EQ(store.siblings(b).index, 2);
    EXPECT_EQ(store.siblings(b).count, 3);
    EXPECT_EQ(store.siblings(a).previousId, 0);
    EXPECT_EQ(store.siblings(a).nextId, b);
    // Under A: a follow-up with two answers, the first chosen.
    auto ua = store.addMessage(conv, a, MessageRole::User, "more on A");
    auto a1 = reply(ua, "A1");
    reply(ua, "A2");
    store.switchTo(a1);
    EXPECT_EQ(store.activeLeaf(conv), a1);
    store.switchTo(c);
    EXPECT_EQ(contents(store.activePath(conv)), (std::vector<std::string>{"q", "C"}));
    store.switchTo(a);  // back to A: its remembered choice A1 comes back, not the newest A2
    EXPECT_EQ(contents(store.activePath(conv)), (std::vector<std::string>{"q", "A", "more on A", "A1"}));
}

TEST_F(Chat, editingTheFirstMessageMakesANewRoot)
{
    auto u1 = store.addMessage(conv, 0, MessageRole::User, "first");
    reply(u1, "r1");
    auto u1b = store.editMessage(u1, "first, edited");
    EXPECT_EQ(store.conversation(conv).activeRootId, u1b);
    EXPECT_EQ(store.siblings(u1b).count, 2);
    EXPECT_EQ(contents(store.activePath(conv)), (std::vector<std::string>{"first, edited"}));
    store.switchTo(u1);
    EXPECT_EQ(contents(store.activePath(conv)), (std::vector<std::string>{"first", "r1"}));
}

TEST_F(Chat, deletingAMessageRemovesItsSubtreeAndActivatesASibling)
{
    auto u1 = store.addMessage(conv, 0, MessageRole::User, "q");
    auto a = reply(u1, "A");
    auto b = reply(u1, "B");
    store.addMessage(conv, b, MessageRole::User, "under B");
    store.deleteMessage(b);
    EXPECT_FALSE(store.findMessage(b));
    EXPECT_EQ(store.allMessages(conv).size(), 2u);
    EXPECT_EQ(store.activeLeaf(conv), a);
    EXPECT_EQ(store.siblings(a).count, 1);
}

TEST_F(Chat, deletesLongChainsWithoutHittingRecursionLimits)
{
    std::int64_t parent = 0;
    fathom::storage::inTransaction(db, [&] {  // one commit: the point is depth, not 1500 fsyncs
        for (int i = 0; i < 1500; ++i)
            parent = store.addMessage(conv, parent, i % 2 ? MessageRole::Assistant : MessageRole::User, "m");
    });
    EXPECT_EQ(store.activePath(conv).size(), 1500u);
    store.deleteConversation(conv);
    EXPECT_FALSE(store.findConversation(conv));
    EXPECT_FALSE(store.findMessage(parent));
}

TEST_F(Chat, keepsPerConversationOverrides)
{
    store.setSystemPrompt(conv, "You are a Rust expert.");
    store.setModel(conv, "/models/coder");
    store.setSampling(conv, R"({"temperature":0.2,"top_p":0.9})");
    store.setTitle(conv, "Traits");
    auto c = store.conversation(conv);
    EXPECT_EQ(c.title, "Traits");
    EXPECT_EQ(c.systemPrompt, "You are a Rust expert.");
    EXPECT_EQ(c.model, "/models/coder");
    EXPECT_EQ(c.samplingJson, R"({"temperature":0.2,"top_p":0.9})");
    store.setSystemPrompt(conv, std::nullopt);
    EXPECT_FALSE(store.conversation(conv).systemPrompt);
    EXPECT_THROW(store.setSampling(conv, "[1,2]"), fathom::Error);
    EXPECT_THROW(store.setSampling(conv, "{oops"), fathom::Error);
}

TEST_F(Chat, listsConversationsMostRecentlyUpdatedFirst)
{
    auto other = store.createConversation("second");
    store.addMessage(conv, 0, MessageRole::User, "bump");
    auto list = store.listConversations();
    ASSERT_EQ(list.size(), 2u);
    // Same-millisecond updates tie (then the newer id wins); otherwise the bumped one is first.
    if (list[0].updatedAt != list[1].updatedAt)
        EXPECT_EQ(list[0].id, conv);
    else
        EXPECT_EQ(list[0].id, other);
    EXPECT_GE(store.conversation(conv).updatedAt, store.conversation(other).updatedAt);
}

TEST_F(Chat, rejectsAParentFromAnotherConversation)
{
    auto other = store.createConversation("other");
    auto m = store.addMessage(other, 0, MessageRole::User, "x");
    EXPECT_THROW(store.addMessage(conv, m, MessageRole::User, "y"), fathom::Error);
    EXPECT_THROW(store.addMessage(12345, 0, MessageRole::User, "y"), fathom::Error);
    EXPECT_TRUE(store.allMessages(conv).empty());
}

TEST_F(Chat, recordsReasoningApartFromTheAnswer)
{
    auto u = store.addMessage(conv, 0, MessageRole::User, "2+2?");
    auto r = store.beginReply(conv, u, "r1", "{}");
    store.updateReply(r, "", "Let me add.", 3);
    EXPECT_EQ(store.message(r).status, MessageStatus::Streaming);
    EXPECT_EQ(store.message(r).reasoning, "Let me add.");
    store.finishReply(r, MessageStatus::Stopped, "4", "Let me add. Two and two.", {5, 9, 20, 80});
    auto m = store.message(r);
    EXPECT_EQ(m.content, "4");
    EXPECT_EQ(m.reasoning, "Let me add. Two and two.");
    EXPECT_EQ(m.status, MessageStatus::Stopped);
    EXPECT_EQ(m.stats.promptTokens, 5);
}
