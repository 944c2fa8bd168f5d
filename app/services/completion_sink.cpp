// CompletionSink: text comes from our own decoder because inference::Engine::load builds its queue
// without one (TokenEvent.text is empty then); when the engine brings its own, it is used instead.
#include "app/services/completion_sink.h"

#include "app/services/engine_worker.h"

namespace fathom::app {

CompletionSink::CompletionSink(EngineWorker* worker, quint64 ticket, std::unique_ptr<inference::TokenTextDecoder> decoder,
                               inference::Engine* engine, EndToken isEnd)
    : m_worker(worker), m_ticket(ticket), m_decoder(std::move(decoder)), m_engine(engine), m_isEnd(std::move(isEnd))
{
}

CompletionSink::~CompletionSink() = default;

void CompletionSink::onToken(std::uint64_t requestId, const inference::TokenEvent& event)
{
    if (m_ended) return;
    if (m_isEnd && m_isEnd(event.token)) {
        m_ended = true;
        m_engine->cancel(requestId);  // the engine ends it after this step; onDone follows
        return;
    }
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
