// Holds back only a valid-but-unfinished character at the end; anything that can never become
// valid is repaired at once, so output is never delayed by garbage bytes.
#include "inference/tokenizer/stream_decoder.h"

#include "inference/tokenizer/tokenizer.h"
#include "inference/tokenizer/utf8.h"

namespace fathom::inference {

std::string StreamDecoder::push(std::int32_t id)
{
    m_tokenizer.appendTokenBytes(id, m_pending, m_skipSpecial);
    const std::size_t hold = utf8::incompleteTailLength(m_pending);
    const std::size_t ready = m_pending.size() - hold;
    if (ready == 0)
        return {};
    // Repair up to the held tail: the maximal-subpart rule decides each byte from what precedes
    // it and at most 3 bytes after, all of which are here, so this matches decoding everything.
    std::string out = utf8::toValidLossy(std::string_view(m_pending).substr(0, ready));
    m_pending.erase(0, ready);
    return out;
}

std::string StreamDecoder::flush()
{
    std::string out = utf8::toValidLossy(m_pending);
    m_pending.clear();
    return out;
}

}  // namespace fathom::inference
