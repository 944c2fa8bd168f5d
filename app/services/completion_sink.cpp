// CompletionSink: text comes from our own decoder because inference::Engine::load builds its queue
// without one (TokenEvent.text is empty then); when the engine brings its own, it is used instead.
#include "app/services/completion_sink.h"

#include "app/services/engine_worker.h"

namespace fathom::app {

CompletionSink::CompletionSink(EngineWorker* worker, quint64 ticket, std::unique_ptr<inference::TokenTextDecoder> decoder)
    : m_worker(worker), m_ticket(ticket), m_decoder(std::move(decoder))
{
}

CompletionSink::~CompletionSink() = default;

void CompletionSink::onToken(std::uint64_t, const inference::TokenEvent& event)
{
    m_worker->relayToken(m_ticket, !event.text.empty() || !m_decoder ? event.text : m_decoder->next(event.token));
}

void CompletionSink::onDone(std::uint64_t, const inference::DoneStats& stats)
{
    m_worker->relayDone(m_ticket, stats);
}

void CompletionSink::onError(std::uint64_t, const std::string& message)
{
    m_worker->relayError(m_ticket, message);
}

}  // namespace fathom::app
