// Engine events -> text pieces and the outcome OpenAI's finish_reason names. The sink side runs on
// the engine's worker thread and only appends under a mutex, so it never blocks the engine for long.
#include "app/server/completion_job.h"

namespace fathom::server {

CompletionJob::CompletionJob(inference::Engine& engine, std::function<bool(std::int32_t)> endsAt)
    : m_engine(engine), m_endsAt(std::move(endsAt))
{
}

CompletionJob::~CompletionJob()
{
    // The HTTP layer waits for the end before it lets a job go; this keeps the promise if it did not
    // (an exception between start and wait): cancel, then wait for the engine's last call.
    std::unique_lock lock(m_mutex);
    if (m_id == 0) return;
    if (!m_outcome) {
        lock.unlock();
        m_engine.cancel(m_id);
        lock.lock();
        m_cv.wait(lock, [&] { return m_outcome.has_value(); });
    }
}

void CompletionJob::start(inference::Request request)
{
    const std::uint64_t id = m_engine.submit(std::move(request), this);
    std::unique_lock lock(m_mutex);
    m_id = id;
    if (m_cancelled && !m_outcome) {
        lock.unlock();
        m_engine.cancel(m_id);
    }
}

CompletionJob::Update CompletionJob::next(std::chrono::milliseconds timeout)
{
    std::unique_lock lock(m_mutex);
    m_cv.wait_for(lock, timeout, [&] { return !m_pending.empty() || m_outcome.has_value(); });
    Update u;
    u.text.swap(m_pending);
    u.outcome = m_outcome;
    return u;
}

std::pair<std::string, CompletionJob::Outcome> CompletionJob::wait()
{
    std::unique_lock lock(m_mutex);
    m_cv.wait(lock, [&] { return m_outcome.has_value(); });
    m_pending.clear();
    return {m_all, *m_outcome};
}

void CompletionJob::cancel()
{
    std::uint64_t id = 0;
    {
        std::lock_guard lock(m_mutex);
        m_cancelled = true;
        id = m_id;
    }
    if (id) m_engine.cancel(id);
}

void CompletionJob::onToken(std::uint64_t requestId, const inference::TokenEvent& event)
{
    {
        std::lock_guard lock(m_mutex);
        if (m_endedByToken || m_outcome) return;
        ++m_generated;
        if (m_endsAt && m_endsAt(event.token)) {
            m_endedByToken = true;
        } else {
            m_pending += event.text;
            m_all += event.text;
        }
    }
    if (m_endedByToken) {
        m_engine.cancel(requestId);  // ends after this step; onDone(Cancelled) follows
        return;
    }
    m_cv.notify_all();
}

void CompletionJob::onDone(std::uint64_t, const inference::DoneStats& stats)
{
    Outcome o;
    o.usage.promptTokens = stats.promptTokens;
    {
        std::lock_guard lock(m_mutex);
        o.usage.completionTokens = std::max<std::int64_t>(stats.generatedTokens, m_generated);
        switch (stats.reason) {
        case inference::FinishReason::Eos:
        case inference::FinishReason::Stop: o.finishReason = "stop"; break;
        case inference::FinishReason::Length: o.finishReason = "length"; break;
        case inference::FinishReason::Cancelled: o.finishReason = m_endedByToken && !m_cancelled ? "stop" : "cancelled"; break;
        case inference::FinishReason::Error: o.finishReason = "error"; o.error = "generation failed"; break;
        }
    }
    end(std::move(o));
}

void CompletionJob::onError(std::uint64_t, const std::string& message)
{
    Outcome o;
    o.finishReason = "error";
    o.error = message.empty() ? "generation failed" : message;
    {
        std::lock_guard lock(m_mutex);
        o.usage.completionTokens = m_generated;
    }
    end(std::move(o));
}

void CompletionJob::end(Outcome outcome)
{
    {
        std::lock_guard lock(m_mutex);
        if (m_outcome) return;
        m_outcome = std::move(outcome);
    }
    m_cv.notify_all();
}

}  // namespace fathom::server
