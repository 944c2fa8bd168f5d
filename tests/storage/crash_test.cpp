// kill -9 at random moments while a child process chats into the database (docs/RELIABILITY.md, "Chats
// and settings"): afterwards the file passes integrity_check, every committed user message is
// there, every reply is an exact prefix of what was generated, and a reply lost at most its last
// 250 ms. The child reports what it committed through a side file (crash_protocol.h).
#include "storage/conversation_store.h"
#include "storage/database.h"
#include "storage/statement.h"
#include "tests/storage/crash_protocol.h"
#include "tests/storage/test_db.h"

#include <gtest/gtest.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <limits>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#ifndef FATHOM_CRASH_KILLS
#define FATHOM_CRASH_KILLS 200
#endif
#ifndef FATHOM_CRASH_MAX_DELAY_MS
// Kill moments are spread over this window after the spawn. It must reach well past startup +
// 250 ms, or a writer that saves too rarely would never be caught (about a quarter of the kills
// land after 300 ms).
#define FATHOM_CRASH_MAX_DELAY_MS 400
#endif
#ifndef FATHOM_CRASH_TEST_NAME
#define FATHOM_CRASH_TEST_NAME killedWriterKeepsEveryCommittedWordAndLosesAtMost250ms
#endif

extern char** environ;

using namespace fathom::storage;
using namespace std::chrono;

namespace {

// Beyond the 250 ms rule, a kill may land while a save is being committed (then that save's
// duration is allowed too) and the OS may run the child's timer thread late on a loaded machine.
constexpr long long kSchedulingSlackUs = 50'000;

// Children run in this many lanes at once, each with its own database file.
constexpr int kLanes = 4;

long long nowUs() { return duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count(); }

struct Record {
    char kind = 0;
    int turn = 0;
    long long a = 0, b = 0;  // U/R: msgId; A/S/C: tUs, length; D: length
};

std::vector<Record> readSideFile(const std::string& path)
{
    std::ifstream in(path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<Record> out;
    std::size_t pos = 0;
    for (std::size_t nl; (nl = text.find('\n', pos)) != std::string::npos; pos = nl + 1) {
        std::istringstream line(text.substr(pos, nl - pos));
        Record r;
        line >> r.kind >> r.turn >> r.a;
        if (r.kind == 'A' || r.kind == 'S' || r.kind == 'C')
            line >> r.b;
        out.push_back(r);
    }
    return out;  // a torn last line (no '\n') is ignored
}

std::string generated(std::uint64_t seed, int turn)
{
    std::string text;
    for (int i = 0, n = crash::replyTokens(seed, turn); i < n; ++i)
        text += crash::tokenText(seed, turn, i);
    return text;
}

std::string scalar(const Database& db, const char* sql)
{
    Statement s(db, sql);
    return s.step() ? s.textAt(0) : "";
}

struct Totals {
    int killsMidReply = 0;
    int repliesFinished = 0;
    long long maxLossUs = 0;         // the oldest lost token's age at the kill
    long long maxExcessUs = std::numeric_limits<long long>::min();  // loss minus (250 ms + in-flight save)
    std::vector<std::pair<std::int64_t, std::string>> userMessages;  // every committed one, to recheck
};

// Checks the database after one kill against what the child reported.
void judge(const std::string& dbPath, const std::string& sidePath, std::uint64_t seed, long long killUs,
           Totals& totals)
{
    Database db(dbPath);  // runs recovery: leftover `streaming` -> `interrupted`
    ASSERT_EQ(scalar(db, "PRAGMA integrity_check"), "ok");
    db.exec("INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')");
    ASSERT_EQ(scalar(db, "SELECT count(*) FROM messages WHERE status = 'streaming'"), "0");
    ConversationStore store(db);

    std::map<int, std::vector<Record>> turns;
    for (const Record& r : readSideFile(sidePath))
        turns[r.turn].push_back(r);
    for (auto& [turn, records] : turns) {
        SCOPED_TRACE("seed " + std::to_string(seed) + " turn " + std::to_string(turn));
        std::int64_t replyId = 0;
        long long committed = 0, finished = -1;
        for (const Record& r : records) {
            if (r.kind == 'U') {
                auto m = store.findMessage(r.a);
                ASSERT_TRUE(m) << "committed user message " << r.a << " is gone";
                EXPECT_EQ(m->content, crash::userText(seed, turn));
                totals.userMessages.push_back({r.a, m->content});
            }
            if (r.kind == 'R')
                replyId = r.a;
            if (r.kind == 'C')
                committed = std::max(committed, r.b);
            if (r.kind == 'D')
                finished = r.a;
        }
        if (!replyId)
            continue;
        auto reply = store.findMessage(replyId);
        ASSERT_TRUE(reply) << "committed reply row " << replyId << " is gone";
        std::string full = generated(seed, turn);
        const std::string& saved = reply->content;
        ASSERT_LE(saved.size(), full.size());
        ASSERT_EQ(saved, full.substr(0, saved.size())) << "the saved reply is not what was generated";
        EXPECT_GE(static_cast<long long>(saved.size()), committed) << "a committed save is missing";
        // Complete without a D record: killed between finishReply's commit and the report.
        if (finished >= 0 || reply->status == MessageStatus::Complete) {
            EXPECT_EQ(reply->status, MessageStatus::Complete);
            EXPECT_EQ(saved, full);
            ++totals.repliesFinished;
            continue;
        }
        EXPECT_EQ(reply->status, MessageStatus::Interrupted);
        ++totals.killsMidReply;
        // The oldest token that did not make it, and a save that was under way at the kill.
        long long lostSince = 0, inFlightSince = 0;
        for (const Record& r : records) {
            if (r.kind == 'A' && r.b > static_cast<long long>(saved.size()) && !lostSince)
                lostSince = r.a;
            if (r.kind == 'S' && r.b > static_cast<long long>(saved.size()) && !inFlightSince)
                inFlightSince = r.a;
        }
        if (!lostSince)
            continue;
        long long loss = killUs - lostSince;
        long long allowed = 250'000 + (inFlightSince ? killUs - inFlightSince : 0);
        totals.maxLossUs = std::max(totals.maxLossUs, loss);
        totals.maxExcessUs = std::max(totals.maxExcessUs, loss - allowed);
        EXPECT_LE(loss, allowed + kSchedulingSlackUs)
            << "lost " << loss / 1000 << " ms of reply (allowed " << allowed / 1000 << " ms)";
    }
}

// One lane: its own database file, children spawned and killed one after another.
void runLane(const test::TempDir& dir, int lane, int kills, std::uint64_t laneSeed, Totals& totals,
             std::atomic<bool>& failed)
{
    std::string dbPath = dir.file("crash-" + std::to_string(lane) + ".db");
    std::mt19937_64 rng(laneSeed);
    for (int k = 0; k < kills && !failed; ++k) {
        std::uint64_t seed = rng() % 1'000'000'000;
        std::string side = dir.file("side-" + std::to_string(lane) + "-" + std::to_string(k) + ".txt");
        std::string seedText = std::to_string(seed);
        char* args[] = {const_cast<char*>(FATHOM_CRASH_CHILD), dbPath.data(), side.data(), seedText.data(), nullptr};
        pid_t pid = 0;
        if (posix_spawn(&pid, FATHOM_CRASH_CHILD, nullptr, nullptr, args, environ) != 0) {
            ADD_FAILURE() << "cannot start " << FATHOM_CRASH_CHILD;
            failed = true;
            return;
        }
        std::this_thread::sleep_for(milliseconds(rng() % FATHOM_CRASH_MAX_DELAY_MS));
        long long killUs = nowUs();
        ::kill(pid, SIGKILL);
        int status = 0;
        ::waitpid(pid, &status, 0);
        if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
            ADD_FAILURE() << "the child stopped on its own (exit " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1)
                          << "), seed " << seed;
            failed = true;
            return;
        }
        judge(dbPath, side, seed, killUs, totals);
        if (::testing::Test::HasFailure())
            failed = true;
    }
    // Nothing committed earlier was lost by a later kill either.
    Database db(dbPath);
    ConversationStore store(db);
    for (const auto& [id, content] : totals.userMessages) {
        auto m = store.findMessage(id);
        EXPECT_TRUE(m) << "user message " << id << " vanished after a later kill";
        if (m) {
            EXPECT_EQ(m->content, content);
        }
    }
}

}  // namespace

TEST(StorageCrash, FATHOM_CRASH_TEST_NAME)
{
    test::TempDir dir;
    std::uint64_t runSeed = std::random_device{}();
    if (const char* s = std::getenv("FATHOM_CRASH_SEED"))
        runSeed = std::strtoull(s, nullptr, 10);
    std::printf("crash test: %d kills in %d lanes, FATHOM_CRASH_SEED=%llu\n", FATHOM_CRASH_KILLS, kLanes,
                static_cast<unsigned long long>(runSeed));
    // Lanes run side by side: the children mostly wait (paced generation, kill delays), so this cuts
    // the wall time without starving anyone of CPU.
    std::vector<Totals> totals(kLanes);
    std::atomic<bool> failed{false};
    std::vector<std::thread> lanes;
    auto start = steady_clock::now();
    for (int lane = 0; lane < kLanes; ++lane) {
        int kills = FATHOM_CRASH_KILLS / kLanes + (lane < FATHOM_CRASH_KILLS % kLanes ? 1 : 0);
        lanes.emplace_back(runLane, std::cref(dir), lane, kills, runSeed * 31 + static_cast<std::uint64_t>(lane),
                           std::ref(totals[static_cast<std::size_t>(lane)]), std::ref(failed));
    }
    for (auto& t : lanes)
        t.join();
    Totals all;
    all.maxExcessUs = std::numeric_limits<long long>::min();
    for (const Totals& t : totals) {
        all.killsMidReply += t.killsMidReply;
        all.repliesFinished += t.repliesFinished;
        all.maxLossUs = std::max(all.maxLossUs, t.maxLossUs);
        all.maxExcessUs = std::max(all.maxExcessUs, t.maxExcessUs);
        all.userMessages.insert(all.userMessages.end(), t.userMessages.begin(), t.userMessages.end());
    }
    auto seconds = duration_cast<milliseconds>(steady_clock::now() - start).count() / 1000.0;
    std::printf("crash test: %.1f s; %d kills mid-reply, %d replies finished, %zu user messages kept; oldest lost "
                "token %.0f ms before its kill; worst margin to 250 ms + in-flight save: %+.0f ms\n",
                seconds, all.killsMidReply, all.repliesFinished, all.userMessages.size(), all.maxLossUs / 1000.0,
                all.maxExcessUs / 1000.0);
    EXPECT_GT(all.killsMidReply, FATHOM_CRASH_KILLS / 2) << "most kills should land while a reply streams";
}
