// The engine's event sink for one editor completion: detokenizes the ids itself (the completion
// prompter's streaming decoder, special tokens left out) and hands text and the end to the
// EngineWorker, which turns them into the bridge's queued signals. Called on the engine's thread.
#pragma once

#include "inference/engine/engine.h"
#include "inference/engine/model_runner.h"

#include <QtGlobal>

#include <memory>

namespace fathom::app {

class EngineWorker;

class CompletionSink final : public inference::EventSink {
public:
    CompletionSink(EngineWorker* worker, quint64 ticket, std::unique_ptr<inference::TokenTextDecoder> decoder);
    ~CompletionSink() override;

    void onToken(std::uint64_t requestId, const inference::TokenEvent& event) override;
    void onDone(std::uint64_t requestId, const inference::DoneStats& stats) override;
    void onError(std::uint64_t requestId, const std::string& message) override;

private:
    EngineWorker* m_worker;
    quint64 m_ticket;
    std::unique_ptr<inference::TokenTextDecoder> m_decoder;
};

}  // namespace fathom::app
