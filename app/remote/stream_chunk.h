// One JSON object of an OpenAI-style streamed reply, reduced to what Fathom uses. Covers the chat
// form (choices[0].delta with content and reasoning_content, as vLLM's and SGLang's reasoning
// parsers and DeepSeek's API send it; newer vLLM calls the field "reasoning"), the completions form
// (choices[0].text), a non-streamed answer (choices[0].message), the usage chunk, and the error
// objects servers put into a stream.
#pragma once

#include <QByteArray>
#include <QString>

namespace fathom::app {

struct StreamChunk {
    QString reasoning;        // reasoning text of this delta
    QString content;          // answer text of this delta
    QString finishReason;     // "stop", "length", ... on the last content chunk
    bool hasUsage = false;
    qint64 promptTokens = 0;
    qint64 completionTokens = 0;
    qint64 cachedPromptTokens = 0;   // vLLM prompt_tokens_details.cached_tokens, DeepSeek prompt_cache_hit_tokens
    QString error;            // the server reported an error inside the stream

    // Parses one event's data. False when it is not a JSON object; *problem then says why.
    static bool parse(const QByteArray& json, StreamChunk* out, QString* problem);
    // The message of an error body ({"error": {"message": ...}} or vLLM's {"object": "error",
    // "message": ...}); empty when the body is neither.
    static QString errorMessage(const QByteArray& body);
};

}  // namespace fathom::app
