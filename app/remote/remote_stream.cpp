// The stream ends in onReplyFinished (or earlier, on a chunk Fathom cannot read); every path goes
// through end(), which emits finished once.
#include "app/remote/remote_stream.h"

#include "app/remote/remote_errors.h"
#include "app/remote/stream_chunk.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>

#include <vector>

namespace fathom::app {

namespace {
constexpr qsizetype kMaxPlainBody = 1 << 20;  // error pages and non-streamed answers
}

RemoteStream::RemoteStream(QNetworkAccessManager* network, const QNetworkRequest& request, const QByteArray& body,
                           ReasoningFolder::Mode mode, const QString& model, QObject* parent)
    : QObject(parent), m_network(network), m_request(request), m_body(body), m_folder(mode), m_model(model)
{
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &RemoteStream::send);
}

RemoteStream::~RemoteStream()
{
    dropReply();
}

void RemoteStream::start()
{
    m_clock.start();
    send();
}

void RemoteStream::send()
{
    m_parser = SseParser();
    m_plainBody.clear();
    m_status = 0;
    m_isEventStream = false;
    m_reply = m_network->post(m_request, m_body);
    connect(m_reply, &QNetworkReply::metaDataChanged, this, &RemoteStream::onMetaData);
    connect(m_reply, &QNetworkReply::readyRead, this, &RemoteStream::onReadyRead);
    connect(m_reply, &QNetworkReply::finished, this, &RemoteStream::onReplyFinished);
}

void RemoteStream::dropReply()
{
    if (!m_reply) return;
    QNetworkReply* reply = m_reply;
    m_reply = nullptr;
    reply->disconnect(this);
    reply->abort();  // closes the connection: the server stops generating for it
    reply->deleteLater();
}

void RemoteStream::cancel()
{
    if (m_ended) return;
    m_retryTimer.stop();
    dropReply();
    end(MessageStatus::Stopped, {});
}

void RemoteStream::onMetaData()
{
    m_status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray type = m_reply->header(QNetworkRequest::ContentTypeHeader).toByteArray().toLower();
    m_isEventStream = m_status >= 200 && m_status < 300 && type.startsWith("text/event-stream");
}

void RemoteStream::onReadyRead()
{
    if (!m_reply || m_ended) return;
    const QByteArray bytes = m_reply->readAll();
    if (m_isEventStream) {
        feedStream(bytes);
    } else if (m_plainBody.size() < kMaxPlainBody) {
        m_plainBody += bytes.left(kMaxPlainBody - m_plainBody.size());
    }
}

void RemoteStream::feedStream(const QByteArray& bytes)
{
    std::vector<SseEvent> events;
    const bool ok = m_parser.feed(std::string_view(bytes.constData(), std::size_t(bytes.size())), events);
    for (const SseEvent& e : events) {
        if (m_ended) return;
        if (e.data == "[DONE]") {
            m_sawDone = true;
            continue;
        }
        StreamChunk chunk;
        QString problem;
        if (!StreamChunk::parse(QByteArray::fromStdString(e.data), &chunk, &problem)) {
            dropReply();
            breakOff(tr("The server %1 sent a stream event Fathom cannot read (%2): “%3”.")
                         .arg(RemoteErrors::hostOf(m_request.url()), problem,
                              QString::fromStdString(e.data.substr(0, 80))));
            return;
        }
        if (!handleChunk(chunk)) return;
    }
    if (!ok) {
        dropReply();
        breakOff(tr("The server %1 sent a malformed event stream: %2.")
                     .arg(RemoteErrors::hostOf(m_request.url()), QString::fromStdString(m_parser.error())));
    }
}

bool RemoteStream::handleChunk(const StreamChunk& chunk)
{
    if (!chunk.error.isEmpty()) {
        dropReply();
        breakOff(tr("The server %1 stopped the reply with an error: %2").arg(RemoteErrors::hostOf(m_request.url()), chunk.error));
        return false;
    }
    if (chunk.hasUsage) {
        m_hasUsage = true;
        m_usage.promptTokens = chunk.promptTokens;
        m_usage.generatedTokens = chunk.completionTokens;
        m_usage.cachedPromptTokens = chunk.cachedPromptTokens;
    }
    if (!chunk.finishReason.isEmpty()) m_sawFinish = true;
    if (chunk.reasoning.isEmpty() && chunk.content.isEmpty()) return true;
    const double now = double(m_clock.nsecsElapsed()) / 1e6;
    if (m_firstMs < 0) m_firstMs = now;
    m_lastMs = now;
    ++m_deltas;
    const QString raw = m_folder.add(chunk.reasoning, chunk.content);
    if (!raw.isEmpty()) emit text(raw);
    return true;
}

bool RemoteStream::retryLater()
{
    if (m_status != 429 || m_retries >= kMaxRetries) return false;
    const std::optional<int> after = RemoteErrors::retryAfterSeconds(m_reply->rawHeader("Retry-After"));
    const int seconds = after ? std::max(1, *after) : (1 << m_retries);  // no Retry-After: 1, 2, 4 s
    if (seconds > kMaxWaitSeconds) return false;
    ++m_retries;
    dropReply();
    emit notice(tr("The server %1 is busy (HTTP 429); trying again in %n s.", nullptr, seconds)
                    .arg(RemoteErrors::hostOf(m_request.url())));
    m_retryTimer.start(seconds * 1000);
    return true;
}

void RemoteStream::onReplyFinished()
{
    if (!m_reply || m_ended) return;
    onReadyRead();  // whatever is still buffered
    if (m_ended) return;
    const QNetworkReply::NetworkError error = m_reply->error();
    const QUrl url = m_request.url();
    if (m_status >= 400) {
        if (retryLater()) return;
        const QString message = m_status == 429 && m_retries > 0
            ? tr("The server %1 is still busy (HTTP 429) after %2 tries: try again later.").arg(RemoteErrors::hostOf(url)).arg(m_retries + 1)
            : RemoteErrors::forHttp(m_status, m_plainBody, m_model, url);
        dropReply();
        end(MessageStatus::Error, message);
        return;
    }
    if (error != QNetworkReply::NoError) {
        const QString why = RemoteErrors::forNetwork(error, m_reply->errorString(), url);
        dropReply();
        breakOff(why);
        return;
    }
    if (!m_isEventStream) {
        // Some servers answer stream requests with one JSON object: take it if it is an answer.
        StreamChunk chunk;
        QString problem;
        const QByteArray body = m_plainBody;
        dropReply();
        if (!StreamChunk::parse(body, &chunk, &problem) || (chunk.content.isEmpty() && chunk.reasoning.isEmpty() && chunk.error.isEmpty())) {
            end(MessageStatus::Error, tr("The server %1 did not answer with an event stream (HTTP %2): “%3”. Is the base URL "
                                         "an OpenAI-compatible API (it usually ends in /v1)?")
                                          .arg(RemoteErrors::hostOf(url)).arg(m_status).arg(QString::fromUtf8(body.left(80)).simplified()));
            return;
        }
        if (handleChunk(chunk)) end(MessageStatus::Complete, {});
        return;
    }
    dropReply();
    if (m_sawDone || m_sawFinish) {
        end(MessageStatus::Complete, {});
        return;
    }
    breakOff(tr("The server %1 ended the stream before the reply was complete.").arg(RemoteErrors::hostOf(url)));
}

void RemoteStream::breakOff(const QString& message)
{
    if (m_deltas == 0) {
        end(MessageStatus::Error, message);
        return;
    }
    end(MessageStatus::Interrupted, message + u' ' + tr("What arrived is kept; Regenerate to try again."));
}

void RemoteStream::end(MessageStatus status, const QString& message)
{
    if (m_ended) return;
    m_ended = true;
    const QString tail = m_folder.finish();
    if (!tail.isEmpty()) emit text(tail);
    MessageStats stats;
    if (m_hasUsage) stats = m_usage;
    if (stats.generatedTokens == 0) stats.generatedTokens = m_deltas;
    stats.timeToFirstTokenMs = std::max(0.0, m_firstMs);
    const double decodeMs = m_lastMs - m_firstMs;
    if (stats.generatedTokens > 1 && m_firstMs >= 0 && decodeMs > 0)
        stats.tokensPerSecond = double(stats.generatedTokens - 1) * 1000.0 / decodeMs;
    emit finished(stats, status, message);
}

}  // namespace fathom::app
