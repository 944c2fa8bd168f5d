// The engine's event sink for one editor completion: detokenizes the ids itself (the completion
// prompter's streaming decoder) and hands text and the end to the EngineWorker, which turns them
// into the bridge's queued signals. A special token ends the completion: the tiny coder, for one,
// was trained with FIM samples that end in the next sample's BOS, not in EOS, and what follows it
// is another file. Called on the engine's thread.
#pragma once

#include "inference/engine/engine.h"
#include "inference/engine/model_runner.h"

#include <QtGlobal>

#include <functional>
#include <memory>

namespace fathom::app {

class EngineWorker;

class CompletionSink final : public inference::EventSink {
public:
    using EndToken = std::function<bool(std::int32_t)>;
    CompletionSink(EngineWorker* worker, quint64 ticket, std::unique_ptr<inference::TokenTextDecoder> decoder,
                   inference::Engine* engine, EndToken isEnd);
    ~CompletionSink() override;

    void onToken(std::uint64_t requestId, const inference::TokenEvent& event) override;
    void onDone(std::uint64_t requestId, const inference::DoneStats& stats) override;
    void onError(std::uint64_t requestId, const std::string& message) override;

private:
    EngineWorker* m_worker;
    quint64 m_ticket;
    std::unique_ptr<inference::TokenTextDecoder> m_decoder;
    inference::Engine* m_engine;
    EndToken m_isEnd;
    bool m_ended = false;  // an end token came: the rest is not this completion
};

}  // namespace fathom::app
