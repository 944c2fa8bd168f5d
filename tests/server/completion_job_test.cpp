// CompletionJob (app/server/completion_job.h) between a scripted engine and a reader: text pieces,
// finish reasons, the FIM end-at-special-token rule, cancellation, and the promise that a job is
// never destroyed before the engine's last event for it.
#include "app/server/completion_job.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

using namespace fathom;
using namespace fathom::server;
using namespace std::chrono_literals;

namespace {

// Records submit / cancel; the test plays the engine's worker thread by calling the sink itself.
class ScriptedEngine final : public inference::Engine {
public:
    const inference::ModelInfo& info() const override { return m_info; }
    std::uint64_t submit(inference::Request request, inference::EventSink* sink) override
    {
        lastRequest = std::move(request);
        this->sink = sink;
        return 7;
    }
    void cancel(std::uint64_t id) override
    {
        cancelledId = id;
        ++cancels;
    }
    inference::EventSink* sink = nullptr;
    inference::Request lastRequest;
    std::atomic<std::uint64_t> cancelledId{0};
    std::atomic<int> cancels{0};

private:
    inference::ModelInfo m_info;
};

inference::DoneStats done(inference::FinishReason reason, std::int64_t prompt, std::int64_t generated)
{
    inference::DoneStats s;
    s.reason = reason;
    s.promptTokens = prompt;
    s.generatedTokens = generated;
    return s;
}

}  // namespace

TEST(CompletionJob, streamsPiecesThenTheOutcome)
{
    ScriptedEngine engine;
    CompletionJob job(engine);
    job.start({});
    EXPECT_EQ(job.engineId(), 7u);
    engine.sink->onToken(7, {1, "he"});
    engine.sink->onToken(7, {2, "llo"});
    CompletionJob::Update u = job.next(0ms);
    EXPECT_EQ(u.text, "hello");
    EXPECT_FALSE(u.outcome);
    engine.sink->onDone(7, done(inference::FinishReason::Length, 5, 2));
    u = job.next(0ms);
    EXPECT_EQ(u.text, "");
    ASSERT_TRUE(u.outcome);
    EXPECT_EQ(u.outcome->finishReason, "length");
    EXPECT_EQ(u.outcome->usage.promptTokens, 5);
    EXPECT_EQ(u.outcome->usage.completionTokens, 2);
    EXPECT_EQ(job.wait().first, "hello");
}

TEST(CompletionJob, eosAndStopStringsAreStop)
{
    for (const auto reason : {inference::FinishReason::Eos, inference::FinishReason::Stop}) {
        ScriptedEngine engine;
        CompletionJob job(engine);
        job.start({});
        engine.sink->onDone(7, done(reason, 1, 1));
        EXPECT_EQ(job.wait().second.finishReason, "stop");
    }
}

TEST(CompletionJob, aSpecialTokenEndsAFimAnswerAsStop)
{
    ScriptedEngine engine;
    CompletionJob job(engine, [](std::int32_t t) { return t >= 100; });
    job.start({});
    engine.sink->onToken(7, {1, "x = 1"});
    engine.sink->onToken(7, {100, "<｜end｜>"});
    EXPECT_EQ(engine.cancels, 1);            // the engine is told to stop at once
    engine.sink->onToken(7, {2, "more"});    // a token already on its way is dropped
    engine.sink->onDone(7, done(inference::FinishReason::Cancelled, 3, 3));
    const auto [text, outcome] = job.wait();
    EXPECT_EQ(text, "x = 1");
    EXPECT_EQ(outcome.finishReason, "stop");
}

TEST(CompletionJob, cancelledByTheClientIsCancelled)
{
    ScriptedEngine engine;
    CompletionJob job(engine);
    job.start({});
    job.cancel();
    EXPECT_EQ(engine.cancelledId, 7u);
    engine.sink->onDone(7, done(inference::FinishReason::Cancelled, 3, 0));
    EXPECT_EQ(job.wait().second.finishReason, "cancelled");
}

TEST(CompletionJob, engineErrorsCarryTheirMessage)
{
    ScriptedEngine engine;
    CompletionJob job(engine);
    job.start({});
    engine.sink->onError(7, "context full: the prompt has 9 tokens");
    const auto outcome = job.wait().second;
    EXPECT_EQ(outcome.finishReason, "error");
    EXPECT_EQ(outcome.error, "context full: the prompt has 9 tokens");
}

TEST(CompletionJob, nextWakesWhenTextArrivesFromAnotherThread)
{
    ScriptedEngine engine;
    CompletionJob job(engine);
    job.start({});
    std::thread worker([&] {
        std::this_thread::sleep_for(20ms);
        engine.sink->onToken(7, {1, "a"});
    });
    const auto t0 = std::chrono::steady_clock::now();
    const CompletionJob::Update u = job.next(5s);
    EXPECT_EQ(u.text, "a");
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
    worker.join();
    engine.sink->onDone(7, done(inference::FinishReason::Length, 1, 1));
}

TEST(CompletionJob, destructionWaitsForTheEnginesLastEvent)
{
    ScriptedEngine engine;
    std::atomic<bool> doneSent{false};
    std::thread worker;
    {
        CompletionJob job(engine);
        job.start({});
        worker = std::thread([&] {
            while (engine.cancels == 0) std::this_thread::sleep_for(1ms);
            std::this_thread::sleep_for(20ms);
            doneSent = true;
            engine.sink->onDone(7, done(inference::FinishReason::Cancelled, 1, 0));
        });
    }  // the destructor cancels, then waits for onDone
    EXPECT_TRUE(doneSent);
    worker.join();
}
