// MessageSearch: full-text search across conversations.
#include "storage/conversation_store.h"
#include "storage/database.h"
#include "storage/message_search.h"
#include "tests/storage/test_db.h"

#include <gtest/gtest.h>

using namespace fathom::storage;

namespace {

struct Search : ::testing::Test {
    test::TempDir dir;
    Database db{dir.file("fathom.db")};
    ConversationStore store{db};
    MessageSearch search{db};

    std::int64_t chat(const std::string& title, const std::vector<std::string>& turns)
    {
        auto c = store.createConversation(title);
        std::int64_t parent = 0;
        for (std::size_t i = 0; i < turns.size(); ++i)
            parent = store.addMessage(c, parent, i % 2 ? MessageRole::Assistant : MessageRole::User, turns[i]);
        return c;
    }
};

}  // namespace

TEST_F(Search, findsConversationsWithHighlightedSnippets)
{
    auto rust = chat("Rust", {"How do lifetimes work in Rust?", "A lifetime names a region of code."});
    chat("Cooking", {"How long do I boil an egg?", "Nine minutes."});
    auto hits = search.search("lifetimes");
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_EQ(hits[0].conversationId, rust);
    EXPECT_EQ(hits[0].title, "Rust");
    EXPECT_EQ(hits[0].role, MessageRole::User);
    EXPECT_NE(hits[0].snippet.find("[lifetimes]"), std::string::npos) << hits[0].snippet;
    SearchOptions html;
    html.highlightOpen = "<b>";
    html.highlightClose = "</b>";
    EXPECT_NE(search.search("egg", html)[0].snippet.find("<b>egg</b>"), std::string::npos);
}

TEST_F(Search, requiresEveryWordAndMatchesTheLastAsAPrefix)
{
    auto a = chat("A", {"the quick brown fox"});
    chat("B", {"the quick red car"});
    auto hits = search.search("quick bro");
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_EQ(hits[0].conversationId, a);
    EXPECT_EQ(search.search("quick").size(), 2u);
    EXPECT_TRUE(search.search("   ").empty());
}

TEST_F(Search, groupsMatchesByConversation)
{
    auto c = chat("Many", {"tokio runtime", "tokio spawns tasks", "what about tokio select?"});
    auto hits = search.search("tokio");
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_EQ(hits[0].conversationId, c);
    EXPECT_EQ(hits[0].matchingMessages, 3);
}

TEST_F(Search, takesQueryOperatorsLiterally)
{
    chat("Ops", {"use a AND b OR \"quoted\" NEAR(x y) col:value"});
    EXPECT_EQ(search.search("\"quoted\"").size(), 1u);
    EXPECT_EQ(search.search("col:value").size(), 1u);
    EXPECT_EQ(search.search("NEAR(x").size(), 1u);
    EXPECT_NO_THROW(search.search("\" * ( ) ^ -"));
    EXPECT_EQ(MessageSearch::toFtsQuery("a\"b c"), "\"a\"\"b\" \"c\" *");
}

TEST_F(Search, followsEditsStreamingUpdatesAndDeletes)
{
    auto c = chat("Live", {"question"});
    auto u = store.activeLeaf(c);
    auto r = store.beginReply(c, u, "m", "{}");
    EXPECT_TRUE(search.search("photosynthesis").empty());
    store.updateReply(r, "photosynthesis turns light", "", 3);
    EXPECT_EQ(search.search("photosynthesis").size(), 1u);
    store.finishReply(r, MessageStatus::Complete, "chlorophyll absorbs light", "thinking about plants", {});
    EXPECT_TRUE(search.search("photosynthesis").empty());
    EXPECT_EQ(search.search("chlorophyll").size(), 1u);
    EXPECT_EQ(search.search("plants").size(), 1u);  // reasoning is searchable too
    store.deleteMessage(r);
    EXPECT_TRUE(search.search("chlorophyll").empty());
    store.deleteConversation(c);
    EXPECT_TRUE(search.search("question").empty());
    db.exec("INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')");
}

TEST_F(Search, matchesAccentsAndCaseLoosely)
{
    chat("Café", {"Crème brûlée recipe"});
    EXPECT_EQ(search.search("creme brulee").size(), 1u);
    EXPECT_EQ(search.search("CRÈME").size(), 1u);
}
