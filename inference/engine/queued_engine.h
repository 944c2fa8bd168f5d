// inference::Engine over any ModelRunner: one worker thread, Interactive requests before Normal
// ones, prompt prefixes reused from the KV cache, one runner step per generated token (the runner
// samples), stop strings, cancellation within one step (a prefill is cut into the runner's chunks
// so it can be cancelled too).
#pragma once

#include "inference/engine/engine.h"
#include "inference/engine/model_runner.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace fathom::inference {

class QueuedEngine final : public Engine {
public:
    // decoderFactory may be empty (no tokenizer): TokenEvent.text stays empty and stop strings
    // never match. eosTokens end a generation (the EOS token is reported, its text is not).
    using DecoderFactory = std::function<std::unique_ptr<TokenTextDecoder>()>;
    QueuedEngine(std::unique_ptr<ModelRunner> runner, ModelInfo info, std::vector<std::int32_t> eosTokens,
                 DecoderFactory decoderFactory);
    ~QueuedEngine() override;  // cancels everything, reports onDone(Cancelled), joins the worker

    const ModelInfo& info() const override { return m_info; }
    std::uint64_t submit(Request request, EventSink* sink) override;
    void cancel(std::uint64_t requestId) override;

private:
    struct Job;
    void workerLoop();
    void run(Job& job);
    void reportCancelledQueued();  // onDone(Cancelled) for queued jobs whose cancel came in

    std::unique_ptr<ModelRunner> m_runner;
    ModelInfo m_info;
    std::vector<std::int32_t> m_eos;
    DecoderFactory m_decoderFactory;

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<std::shared_ptr<Job>> m_interactive, m_normal;
    std::shared_ptr<Job> m_current;
    std::uint64_t m_nextId = 1;
    bool m_stop = false;
    std::thread m_worker;  // last: starts after everything above exists
};

}  // namespace fathom::inference
