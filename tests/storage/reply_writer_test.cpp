// ReplyWriter: a streaming reply is saved at least every 250 ms or 32 tokens.
#include "storage/conversation_store.h"
#include "storage/database.h"
#include "storage/reply_writer.h"
#include "tests/storage/test_db.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace fathom::storage;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace {

// Scheduling on a loaded 2-core CI machine: a timer can wake this late. The policy itself is
// checked exactly where it can be (token counts, content); times get this margin.
constexpr auto kSlack = 150ms;

struct Recorder {
    std::mutex mutex;
    std::vector<ReplySnapshot> saved;
    std::vector<steady_clock::time_point> at;
    ReplyFlush flush()
    {
        return [this](const ReplySnapshot& s) {
            std::lock_guard lock(mutex);
            saved.push_back(s);
            at.push_back(steady_clock::now());
        };
    }
    std::size_t count()
    {
        std::lock_guard lock(mutex);
        return saved.size();
    }
};

}  // namespace

TEST(ReplyWriter, savesEvery32TokensWhenTokensComeFast)
{
    Recorder rec;
    ReplyWriter writer(rec.flush());
    for (int i = 0; i < 100; ++i)
        writer.appendContent(std::string("t").append(std::to_string(i)).append(" "));
    // Fast tokens: the count rule fires first, synchronously, at exactly 32, 64, 96.
    ASSERT_GE(rec.count(), 3u);
    EXPECT_EQ(rec.saved[0].tokens, 32);
    EXPECT_EQ(rec.saved[1].tokens, 64);
    EXPECT_EQ(rec.saved[2].tokens, 96);
    EXPECT_EQ(rec.saved[2].content.rfind("t95 "), rec.saved[2].content.size() - 4);
    auto full = writer.finish();
    EXPECT_EQ(full.tokens, 100);
    EXPECT_EQ(full.content.substr(0, 6), "t0 t1 ");
}

TEST(ReplyWriter, savesASlowTrickleWithin250ms)
{
    Recorder rec;
    ReplyWriter writer(rec.flush());
    std::vector<std::pair<steady_clock::time_point, std::size_t>> appended;  // when, length after
    std::string text;
    auto start = steady_clock::now();
    while (steady_clock::now() - start < 1200ms) {
        text += "w ";
        appended.push_back({steady_clock::now(), text.size()});
        writer.appendContent("w ");
        std::this_thread::sleep_for(40ms);  // 25 tok/s: under 32 tokens per 250 ms
    }
    writer.finish();
    std::lock_guard lock(rec.mutex);
    ASSERT_GE(rec.saved.size(), 3u);
    // Every appended piece is saved no later than 250 ms (+ scheduling slack) after it arrived.
    for (const auto& [when, length] : appended) {
        auto saved = std::find_if(rec.saved.begin(), rec.saved.end(),
                                  [&](const ReplySnapshot& s) { return s.content.size() >= length; });
        if (saved == rec.saved.end())
            continue;  // the tail after the last save: finish() hands it to finishReply instead
        auto delay = rec.at[static_cast<std::size_t>(saved - rec.saved.begin())] - when;
        EXPECT_LE(duration_cast<milliseconds>(delay).count(), (250ms + kSlack).count());
    }
    // Everything but that tail was saved, and batched: far fewer saves than tokens.
    EXPECT_GE(rec.saved.back().content.size() + 10 * 2, text.size());
    EXPECT_LT(rec.saved.size(), appended.size() / 3);
}

TEST(ReplyWriter, savesTheLastTokensWhenTheStreamPauses)
{
    Recorder rec;
    ReplyWriter writer(rec.flush());
    auto before = steady_clock::now();
    writer.appendReasoning("thinking", 1);
    writer.appendContent("answer", 1);
    // No more tokens: the timer thread must save them, after ~250 ms and not much later.
    auto deadline = steady_clock::now() + 2s;
    while (rec.count() == 0 && steady_clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    ASSERT_EQ(rec.count(), 1u);
    auto after = duration_cast<milliseconds>(rec.at[0] - before);
    EXPECT_GE(after.count(), 240);
    EXPECT_LE(after.count(), (250ms + kSlack).count());
    EXPECT_EQ(rec.saved[0].reasoning, "thinking");
    EXPECT_EQ(rec.saved[0].content, "answer");
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(rec.count(), 1u);  // nothing new, nothing written
}

TEST(ReplyWriter, retriesAFailedSaveAndReportsTheError)
{
    std::atomic<int> calls{0};
    std::vector<std::string> saved;
    ReplyWriterOptions options;
    options.maxDelay = 50ms;
    ReplyWriter writer(
        [&](const ReplySnapshot& s) {
            if (calls++ == 0)
                throw std::runtime_error("disk full");
            saved.push_back(s.content);
        },
        options);
    writer.appendContent("abc");
    auto deadline = steady_clock::now() + 2s;
    while (calls < 2 && steady_clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    writer.finish();
    EXPECT_EQ(writer.lastError(), "disk full");
    ASSERT_EQ(saved.size(), 1u);
    EXPECT_EQ(saved[0], "abc");
}

TEST(ReplyWriter, writesIntoTheStoreWhileStreaming)
{
    test::TempDir dir;
    Database db(dir.file("fathom.db"));
    ConversationStore store(db);
    auto c = store.createConversation();
    auto u = store.addMessage(c, 0, MessageRole::User, "count to 40");
    auto r = store.beginReply(c, u, "m", "{}");
    ReplyWriter writer(ReplyWriter::toStore(store, r));
    for (int i = 1; i <= 40; ++i)
        writer.appendContent(std::to_string(i) + " ");
    auto mid = store.message(r);
    EXPECT_EQ(mid.status, MessageStatus::Streaming);
    EXPECT_EQ(mid.stats.completionTokens, 32);
    EXPECT_EQ(mid.content.substr(mid.content.size() - 3), "32 ");
    auto full = writer.finish();
    store.finishReply(r, MessageStatus::Complete, full.content, full.reasoning, {5, full.tokens, 10, 20});
    EXPECT_EQ(store.message(r).stats.completionTokens, 40);
    EXPECT_EQ(store.message(r).status, MessageStatus::Complete);
}
