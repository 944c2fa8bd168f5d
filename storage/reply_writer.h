// Saves a reply while it streams, in batches: the text not yet saved is never more than 32 tokens
// nor older than 250 ms (docs/RELIABILITY.md: a kill -9 loses at most the last 250 ms of a reply).
// Appends come from the engine's thread; a small timer thread covers the case where tokens stop
// arriving (a slow model, a long pause) so the last ones still get saved on time.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace fathom::storage {

class ConversationStore;
class StorageWorker;

struct ReplyWriterOptions {
    std::chrono::milliseconds maxDelay{250};  // unsaved text is never older than this
    int maxTokens = 32;                       // ... nor more than this many tokens
};

// The reply so far: what a flush saves (the whole text each time: one row, one UPDATE).
struct ReplySnapshot {
    std::string content;
    std::string reasoning;
    std::int64_t tokens = 0;
};

// Saves a snapshot. Called under the writer's flush lock, from the appending thread or the timer
// thread, never two at once. A flush that throws is retried after maxDelay; the error is kept.
using ReplyFlush = std::function<void(const ReplySnapshot&)>;

class ReplyWriter final {
public:
    explicit ReplyWriter(ReplyFlush flush, ReplyWriterOptions options = {});
    ~ReplyWriter();  // stops the timer; does not flush (finish() and finishReply() end a reply)
    ReplyWriter(const ReplyWriter&) = delete;
    ReplyWriter& operator=(const ReplyWriter&) = delete;

    // Flushes that write straight to a store (CLI, tests: the caller's thread owns the Database and
    // leaves it alone while streaming) or queue the write on a StorageWorker (the app: the engine
    // thread never waits for the disk).
    static ReplyFlush toStore(ConversationStore& store, std::int64_t messageId);
    static ReplyFlush toWorker(StorageWorker& worker, std::int64_t messageId);

    void appendContent(const std::string& text, int tokens = 1);
    void appendReasoning(const std::string& text, int tokens = 1);
    void flush();  // saves now if anything is unsaved

    // Stops the timer and returns the full reply; the caller then writes the final row with
    // ConversationStore::finishReply (status, stats). Appends after finish() are ignored.
    ReplySnapshot finish();

    ReplySnapshot snapshot() const;
    int flushCount() const;
    std::string lastError() const;  // "" when every flush succeeded

private:
    using Clock = std::chrono::steady_clock;
    void append(std::string ReplySnapshot::*field, const std::string& text, int tokens);
    void timerLoop();

    ReplyFlush m_flush;
    ReplyWriterOptions m_options;
    mutable std::mutex m_mutex;    // guards the fields below
    std::mutex m_flushMutex;       // serialises flush callbacks
    std::condition_variable m_wake;
    ReplySnapshot m_reply;
    std::optional<Clock::time_point> m_unsavedSince;  // set while something is unsaved
    int m_unsavedTokens = 0;
    int m_flushCount = 0;
    std::string m_lastError;
    bool m_stopping = false;
    std::thread m_timer;
};

}  // namespace fathom::storage
