// QueuedEngine: the worker takes one request at a time (the KV cache is single-sequence), checks
// cancellation between prefill chunks and decode steps, and turns every failure into onError. Each
// generated token is one runner step that also samples, so on the GPU only the id crosses the bus.
#include "inference/engine/queued_engine.h"

#include "inference/engine/stop_matcher.h"
#include "base/error.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <span>

namespace fathom::inference {

namespace {
using Clock = std::chrono::steady_clock;
double msSince(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }
}  // namespace

struct QueuedEngine::Job {
    std::uint64_t id = 0;
    Request request;
    EventSink* sink = nullptr;
    Clock::time_point submitted;
    std::atomic<bool> cancelled{false};
};

QueuedEngine::QueuedEngine(std::unique_ptr<ModelRunner> runner, ModelInfo info, std::vector<std::int32_t> eosTokens,
                           DecoderFactory decoderFactory)
    : m_runner(std::move(runner)), m_info(std::move(info)), m_eos(std::move(eosTokens)),
      m_decoderFactory(std::move(decoderFactory))
{
    m_info.backendName = m_runner->backendName();
    m_info.contextLength = m_runner->contextLength();
    m_info.vocabSize = m_runner->vocabSize();
    m_worker = std::thread([this] { workerLoop(); });
}

QueuedEngine::~QueuedEngine()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
        for (auto* q : {&m_interactive, &m_normal})
            for (auto& j : *q)
                j->cancelled = true;
        if (m_current)
            m_current->cancelled = true;
    }
    m_wake.notify_all();
    m_worker.join();
}

std::uint64_t QueuedEngine::submit(Request request, EventSink* sink)
{
    auto job = std::make_shared<Job>();
    job->request = std::move(request);
    job->sink = sink;
    job->submitted = Clock::now();
    {
        std::lock_guard lock(m_mutex);
        job->id = m_nextId++;
        (job->request.priority == Priority::Interactive ? m_interactive : m_normal).push_back(job);
    }
    m_wake.notify_all();
    return job->id;
}

void QueuedEngine::cancel(std::uint64_t requestId)
{
    std::lock_guard lock(m_mutex);
    if (m_current && m_current->id == requestId)
        m_current->cancelled = true;
    for (auto* q : {&m_interactive, &m_normal})
        for (auto& j : *q)
            if (j->id == requestId)
                j->cancelled = true;
}

void QueuedEngine::reportCancelledQueued()
{
    std::vector<std::shared_ptr<Job>> gone;
    {
        std::lock_guard lock(m_mutex);
        for (auto* q : {&m_interactive, &m_normal}) {
            for (auto it = q->begin(); it != q->end();) {
                if ((*it)->cancelled) {
                    gone.push_back(*it);
                    it = q->erase(it);
                } else {
                    ++it;
                }
            }
        }
    }
    for (auto& j : gone) {
        DoneStats stats;
        stats.reason = FinishReason::Cancelled;
        stats.promptTokens = static_cast<std::int64_t>(j->request.promptTokens.size());
        j->sink->onDone(j->id, stats);
    }
}

void QueuedEngine::workerLoop()
{
    for (;;) {
        reportCancelledQueued();
        std::shared_ptr<Job> job;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [&] { return m_stop || !m_interactive.empty() || !m_normal.empty(); });
            if (m_interactive.empty() && m_normal.empty())
                return;  // stopping, nothing left to report
            auto& q = m_interactive.empty() ? m_normal : m_interactive;
            job = q.front();
            q.pop_front();
            m_current = job;
        }
        try {
            run(*job);
        } catch (const std::exception& e) {
            job->sink->onError(job->id, e.what());
        }
        std::lock_guard lock(m_mutex);
        m_current.reset();
    }
}

void QueuedEngine::run(Job& job)
{
    const Request& req = job.request;
    DoneStats stats;
    stats.promptTokens = static_cast<std::int64_t>(req.promptTokens.size());
    auto finish = [&](FinishReason reason) {
        stats.reason = reason;
        job.sink->onDone(job.id, stats);
    };
    if (job.cancelled)
        return finish(FinishReason::Cancelled);
    const std::int64_t vocab = m_runner->vocabSize(), context = m_runner->contextLength();
    if (req.promptTokens.empty())
        return job.sink->onError(job.id, "the prompt is empty");
    for (std::int32_t t : req.promptTokens)
        if (t < 0 || t >= vocab)
            return job.sink->onError(job.id, "prompt token " + std::to_string(t) + " is outside the model's vocabulary (" +
                                                 std::to_string(vocab) + " tokens)");
    if (stats.promptTokens >= context)
        return job.sink->onError(job.id, "context full: the prompt has " + std::to_string(stats.promptTokens) +
                                             " tokens but the context holds " + std::to_string(context) +
                                             "; shorten the conversation or raise the context length");

    // Keep the longest cached prefix, but always recompute the last prompt token for its logits.
    const std::vector<std::int32_t>& cached = m_runner->cachedTokens();
    const std::size_t common = static_cast<std::size_t>(
        std::mismatch(cached.begin(), cached.end(), req.promptTokens.begin(), req.promptTokens.end()).first - cached.begin());
    std::int64_t pos = static_cast<std::int64_t>(std::min(common, req.promptTokens.size() - 1));
    stats.cachedPromptTokens = pos;
    // The penalty window: the last penaltyLastN tokens of prompt + reply (at most the GPU's buffer).
    std::vector<std::int32_t> history = req.promptTokens;
    const std::size_t window = static_cast<std::size_t>(std::clamp(req.sampling.penaltyLastN, 0, kMaxPenaltyWindow));
    StepSampling sampling;
    sampling.params = req.sampling;
    auto recent = [&] {
        const std::size_t n = std::min(window, history.size());
        return std::span<const std::int32_t>(history.data() + history.size() - n, n);
    };
    std::int32_t token = -1;
    // False when the request was cancelled inside the pass (the runner stops between layers).
    // With sample false the pass only fills the cache (a prefill chunk that is not the last).
    auto run = [&](std::vector<std::int32_t> tokens, std::int64_t at, bool sample) {
        try {
            if (sample) {
                sampling.recent = recent();
                token = m_runner->step(tokens, at, sampling, &job.cancelled);
            } else {
                m_runner->forwardLast(tokens, at, &job.cancelled);
            }
            return true;
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::Cancelled)
                throw;
            return false;
        }
    };
    const std::int64_t chunk = std::max<std::int64_t>(1, m_runner->prefillChunk());
    while (pos < stats.promptTokens) {
        const std::int64_t end = std::min(stats.promptTokens, pos + chunk);
        if (job.cancelled || !run({req.promptTokens.begin() + pos, req.promptTokens.begin() + end}, pos, end == stats.promptTokens))
            return finish(FinishReason::Cancelled);
        pos = end;
    }

    StopMatcher stops(req.stopStrings);
    std::unique_ptr<TokenTextDecoder> decoder = m_decoderFactory ? m_decoderFactory() : nullptr;
    Clock::time_point firstToken;
    // The end of the text: what the detokenizer and the stop matcher still hold.
    auto finalText = [&](bool& stopped) {
        std::string text = stops.push(decoder ? decoder->flush() : std::string(), stopped);
        if (!stopped)
            text += stops.flush();
        return text;
    };
    auto decodeRate = [&] {
        const double s = std::chrono::duration<double>(Clock::now() - firstToken).count();
        stats.tokensPerSecond = stats.generatedTokens > 1 && s > 0 ? double(stats.generatedTokens - 1) / s : 0.0;
    };
    for (;;) {
        if (job.cancelled) {
            decodeRate();
            return finish(FinishReason::Cancelled);
        }
        history.push_back(token);
        ++sampling.draw;
        if (++stats.generatedTokens == 1) {
            firstToken = Clock::now();
            stats.timeToFirstTokenMs = msSince(job.submitted);
        }
        TokenEvent event;
        event.token = token;
        bool stopped = false;
        if (std::find(m_eos.begin(), m_eos.end(), token) != m_eos.end()) {
            event.text = finalText(stopped);  // the EOS token itself has no text
            job.sink->onToken(job.id, event);
            decodeRate();
            return finish(stopped ? FinishReason::Stop : FinishReason::Eos);
        }
        event.text = stops.push(decoder ? decoder->next(token) : std::string(), stopped);
        const bool full = stats.generatedTokens >= req.maxTokens || pos >= context;
        if (full && !stopped)
            event.text += finalText(stopped);
        job.sink->onToken(job.id, event);
        if (stopped || full) {
            decodeRate();
            return finish(stopped ? FinishReason::Stop : FinishReason::Length);
        }
        reportCancelledQueued();
        if (!run({token}, pos, true)) {
            decodeRate();
            return finish(FinishReason::Cancelled);
        }
        ++pos;
    }
}

}  // namespace fathom::inference
