// Export (Markdown, JSON) and JSON import: the whole tree survives a round trip.
#include "base/error.h"
#include "storage/conversation_export.h"
#include "storage/conversation_store.h"
#include "storage/database.h"
#include "storage/statement.h"
#include "tests/storage/test_db.h"

#include <gtest/gtest.h>

using namespace fathom::storage;
using nlohmann::json;

namespace {

struct Export : ::testing::Test {
    test::TempDir dir;
    Database db{dir.file("fathom.db")};
    ConversationStore store{db};
    std::int64_t conv = 0;

    // A conversation with every feature: system prompt, overrides, an edited user message, three
    // regenerated replies with different statuses, reasoning, stats, unicode, a non-newest branch
    // chosen.
    void SetUp() override
    {
        conv = store.createConversation("Branches «ünïcode» 🚀");
        store.setSystemPrompt(conv, "Be terse.");
        store.setModel(conv, "/models/coder");
        store.setSampling(conv, R"({"temperature": 0.3})");
        auto sys = store.addMessage(conv, 0, MessageRole::System, "Be terse.");
        auto u1 = store.addMessage(conv, sys, MessageRole::User, "Explain borrowing\nwith \"quotes\"");
        auto r1 = store.beginReply(conv, u1, "/models/coder", R"({"temperature":0.3,"seed":7})");
        store.finishReply(r1, MessageStatus::Complete, "A borrow is a reference.", "thinking…",
                          {42, 17, 35.5, 210.25});
        auto r2 = store.beginReply(conv, u1, "/models/coder", "{}");
        store.finishReply(r2, MessageStatus::Stopped, "Borrowing is", "", {42, 3, 30.0, 190.0});
        auto r3 = store.beginReply(conv, u1, "/models/coder", "{}");
        store.finishReply(r3, MessageStatus::Error, "", "", {42, 0, 0, 0}, "context full");
        auto u2 = store.addMessage(conv, r1, MessageRole::User, "And moves?");
        auto r4 = store.beginReply(conv, u2, "/models/coder", "{}");
        store.updateReply(r4, "A move transfers", "", 4);
        db.exec("UPDATE messages SET status = 'interrupted' WHERE id = " + std::to_string(r4));
        store.editMessage(u2, "And copies?");
        store.switchTo(r1);  // the shown path goes through r1 while r3 is newest
        store.switchTo(u2);
    }

    std::int64_t count(const char* sql)
    {
        Statement s(db, sql);
        return s.step() ? s.intAt(0) : -1;
    }
};

}  // namespace

TEST_F(Export, jsonRoundTripKeepsTheWholeTree)
{
    json first = exportJson(store, conv);
    auto copy = importJson(store, first.dump(2), "export.json");
    ASSERT_NE(copy, conv);
    json second = exportJson(store, copy);
    EXPECT_EQ(first, second) << first.dump(1) << "\n---\n" << second.dump(1);
    // And what the person sees is the same, down to statuses, stats and times.
    auto a = store.activePath(conv), b = store.activePath(copy);
    ASSERT_EQ(a.size(), b.size());
    ASSERT_EQ(a.size(), 5u);
    for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].content, b[i].content);
        EXPECT_EQ(a[i].status, b[i].status);
        EXPECT_EQ(a[i].createdAt, b[i].createdAt);
        EXPECT_EQ(a[i].stats.tokensPerSecond, b[i].stats.tokensPerSecond);
        EXPECT_EQ(store.siblings(a[i].id).index, store.siblings(b[i].id).index);
        EXPECT_EQ(store.siblings(a[i].id).count, store.siblings(b[i].id).count);
    }
    EXPECT_EQ(b[4].status, MessageStatus::Interrupted);
    EXPECT_EQ(store.conversation(copy).updatedAt, store.conversation(conv).updatedAt);
    EXPECT_EQ(store.conversation(copy).samplingJson, R"({"temperature": 0.3})");
}

TEST_F(Export, jsonListsStatusesAndBranches)
{
    json j = exportJson(store, conv);
    EXPECT_EQ(j["format"], "fathom.conversation");
    EXPECT_EQ(j["messages"].size(), 8u);
    std::set<std::string> statuses;
    for (const auto& m : j["messages"])
        statuses.insert(m["status"].get<std::string>());
    EXPECT_EQ(statuses, (std::set<std::string>{"complete", "stopped", "error", "interrupted"}));
    EXPECT_EQ(j["messages"][2]["reasoning"], "thinking…");
    EXPECT_EQ(j["messages"][4]["error"], "context full");
}

TEST_F(Export, markdownShowsTheActivePath)
{
    std::string md = exportMarkdown(store, conv);
    EXPECT_EQ(md.rfind("# Branches «ünïcode» 🚀\n", 0), 0u) << md;
    EXPECT_NE(md.find("## User\n\nExplain borrowing\nwith \"quotes\""), std::string::npos) << md;
    EXPECT_NE(md.find("A borrow is a reference."), std::string::npos);
    EXPECT_NE(md.find("<details><summary>Reasoning</summary>\n\nthinking…"), std::string::npos);
    EXPECT_NE(md.find("A move transfers"), std::string::npos);
    EXPECT_NE(md.find("*(interrupted)*"), std::string::npos);
    EXPECT_EQ(md.find("Borrowing is"), std::string::npos);  // another branch
}

TEST_F(Export, aStreamingReplyImportsAsInterrupted)
{
    json j = exportJson(store, conv);
    j["messages"][2]["status"] = "streaming";
    auto copy = importJson(store, j.dump(), "x.json");
    EXPECT_EQ(store.allMessages(copy)[2].status, MessageStatus::Interrupted);
}

TEST_F(Export, rejectsDamagedFilesNamingTheProblemAndAddsNothing)
{
    json good = exportJson(store, conv);
    auto broken = [&](auto edit) {
        json j = good;
        edit(j);
        return j.dump();
    };
    struct Case {
        std::string text, expect;
    };
    std::vector<Case> cases = {
        {"{not json", "not valid JSON"},
        {"[]", "not a Fathom conversation export"},
        {broken([](json& j) { j["version"] = 99; }), "export version 99"},
        {broken([](json& j) { j["messages"][3]["parent"] = 8; }), "parent 8 does not come before it"},
        {broken([](json& j) { j["messages"][1]["id"] = 1; }), "used twice"},
        {broken([](json& j) { j["messages"][0]["role"] = "robot"; }), "unknown message role 'robot'"},
        {broken([](json& j) { j["messages"][0]["content"] = 5; }), "\"content\" must be a string"},
        {broken([](json& j) { j["messages"][0].erase("created_at"); }), "has no \"created_at\""},
        {broken([](json& j) { j["messages"][0]["active_child"] = 5; }), "is not one of its children"},
        {broken([](json& j) { j["conversation"]["active_root"] = 2; }), "is not a first message"},
        {broken([](json& j) { j["conversation"]["sampling_json"] = "[1]"; }), "sampling_json must hold"},
        {broken([](json& j) { j["messages"][0]["id"] = -3; }), "positive id"},
    };
    for (const Case& c : cases) {
        try {
            importJson(store, c.text, "bad.json");
            ADD_FAILURE() << "accepted: " << c.expect;
        } catch (const fathom::Error& e) {
            std::string m = e.what();
            EXPECT_EQ(e.kind(), fathom::ErrorKind::UserInput);
            EXPECT_EQ(m.rfind("bad.json: ", 0), 0u) << m;
            EXPECT_NE(m.find(c.expect), std::string::npos) << m;
        }
    }
    EXPECT_EQ(count("SELECT count(*) FROM conversations"), 1);
    EXPECT_EQ(count("SELECT count(*) FROM messages"), 8);
}
