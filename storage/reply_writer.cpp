#include "storage/reply_writer.h"

#include "storage/conversation_store.h"
#include "storage/storage_worker.h"

namespace fathom::storage {

ReplyWriter::ReplyWriter(ReplyFlush flush, ReplyWriterOptions options)
    : m_flush(std::move(flush)), m_options(options), m_timer([this] { timerLoop(); })
{
}

ReplyWriter::~ReplyWriter()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_timer.joinable())
        m_timer.join();
}

ReplyFlush ReplyWriter::toStore(ConversationStore& store, std::int64_t messageId)
{
    return [&store, messageId](const ReplySnapshot& s) {
        store.updateReply(messageId, s.content, s.reasoning, s.tokens);
    };
}

ReplyFlush ReplyWriter::toWorker(StorageWorker& worker, std::int64_t messageId)
{
    return [&worker, messageId](const ReplySnapshot& s) {
        worker.post([messageId, s](Database& db) {
            ConversationStore(db).updateReply(messageId, s.content, s.reasoning, s.tokens);
        });
    };
}

void ReplyWriter::append(std::string ReplySnapshot::*field, const std::string& text, int tokens)
{
    bool flushNow = false;
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping)
            return;
        m_reply.*field += text;
        m_reply.tokens += tokens;
        m_unsavedTokens += tokens;
        if (!m_unsavedSince) {
            m_unsavedSince = Clock::now();
            m_wake.notify_all();  // the timer sleeps until there is a deadline
        }
        flushNow = m_unsavedTokens >= m_options.maxTokens ||
                   Clock::now() - *m_unsavedSince >= m_options.maxDelay;
    }
    if (flushNow)
        flush();
}

void ReplyWriter::appendContent(const std::string& text, int tokens) { append(&ReplySnapshot::content, text, tokens); }

void ReplyWriter::appendReasoning(const std::string& text, int tokens)
{
    append(&ReplySnapshot::reasoning, text, tokens);
}

void ReplyWriter::flush()
{
    std::lock_guard flushing(m_flushMutex);
    ReplySnapshot snapshot;
    int tokens = 0;
    {
        std::lock_guard lock(m_mutex);
        if (!m_unsavedSince)
            return;
        snapshot = m_reply;
        tokens = m_unsavedTokens;
        m_unsavedSince.reset();
        m_unsavedTokens = 0;
    }
    try {
        m_flush(snapshot);  // outside m_mutex: appends go on while this writes
        std::lock_guard lock(m_mutex);
        ++m_flushCount;
    } catch (const std::exception& e) {
        // Keep it unsaved and retry after maxDelay rather than hammering a full or locked disk.
        std::lock_guard lock(m_mutex);
        m_lastError = e.what();
        m_unsavedTokens += tokens;
        if (!m_unsavedSince)
            m_unsavedSince = Clock::now();
        m_wake.notify_all();
    }
}

void ReplyWriter::timerLoop()
{
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
        if (!m_unsavedSince) {
            m_wake.wait(lock);
            continue;
        }
        auto deadline = *m_unsavedSince + m_options.maxDelay;
        if (Clock::now() < deadline) {
            m_wake.wait_until(lock, deadline);
            continue;
        }
        lock.unlock();
        flush();
        lock.lock();
    }
}

ReplySnapshot ReplyWriter::finish()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_timer.joinable())
        m_timer.join();
    std::lock_guard flushing(m_flushMutex);  // wait out a flush from the appending thread
    std::lock_guard lock(m_mutex);
    return m_reply;
}

ReplySnapshot ReplyWriter::snapshot() const
{
    std::lock_guard lock(m_mutex);
    return m_reply;
}

int ReplyWriter::flushCount() const
{
    std::lock_guard lock(m_mutex);
    return m_flushCount;
}

std::string ReplyWriter::lastError() const
{
    std::lock_guard lock(m_mutex);
    return m_lastError;
}

}  // namespace fathom::storage
