// One generation request of the server between the engine and an HTTP connection: the engine's
// worker thread pushes tokens into it (EventSink), the connection's HTTP thread takes them out
// (next) to write SSE chunks or waits for the whole answer (wait). The HTTP thread owns the job and
// never lets it go before the engine's last event for it has come (finished()), so the sink
// outlives its request as Engine::submit requires. Qt-free.
#pragma once

#include "app/server/openai_json.h"
#include "inference/engine/engine.h"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

namespace fathom::server {

class CompletionJob final : public inference::EventSink {
public:
    struct Outcome {
        std::string finishReason;  // "stop" | "length" | "cancelled" | "error"
        std::string error;         // the engine's message when finishReason is "error"
        Usage usage;
    };
    struct Update {
        std::string text;                // new text since the last call (may be empty)
        std::optional<Outcome> outcome;  // set once the request has ended
    };

    // endsAt: tokens that end the answer (special tokens for fill-in-the-middle); may be empty.
    CompletionJob(inference::Engine& engine, std::function<bool(std::int32_t)> endsAt = {});
    ~CompletionJob() override;

    // Engine::submit; may throw what it throws.
    void start(inference::Request request);
    std::uint64_t engineId() const { return m_id; }
    // Waits up to `timeout` for text or the end.
    Update next(std::chrono::milliseconds timeout);
    // Waits for the end; the whole text and the outcome.
    std::pair<std::string, Outcome> wait();
    // Client gone or server stopping: the engine stops it within one decode step. Thread-safe.
    void cancel();

    void onToken(std::uint64_t requestId, const inference::TokenEvent& event) override;
    void onDone(std::uint64_t requestId, const inference::DoneStats& stats) override;
    void onError(std::uint64_t requestId, const std::string& message) override;

private:
    void end(Outcome outcome);

    inference::Engine& m_engine;
    std::function<bool(std::int32_t)> m_endsAt;
    std::uint64_t m_id = 0;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::string m_pending;        // text not yet taken by next()
    std::string m_all;            // the whole text, for wait()
    std::int64_t m_generated = 0; // tokens reported so far
    bool m_endedByToken = false;  // an endsAt token came: the engine's Cancelled means "stop"
    bool m_cancelled = false;
    std::optional<Outcome> m_outcome;
};

}  // namespace fathom::server
