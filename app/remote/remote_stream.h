// One streamed request to an OpenAI-compatible server: sends it, reads the event stream as it
// arrives, folds reasoning and answer into one raw reply text, and ends exactly once with what
// happened: complete, stopped (cancel closes the connection), interrupted (the stream broke after
// text arrived: that text is kept) or an error a person can act on. A 429 with Retry-After waits
// and tries again, saying so. Lives on the thread of its QNetworkAccessManager; never blocks.
#pragma once

#include "app/remote/reasoning_folder.h"
#include "app/remote/sse_parser.h"
#include "app/services/chat_types.h"

#include <QElapsedTimer>
#include <QNetworkRequest>
#include <QObject>
#include <QPointer>
#include <QTimer>

class QNetworkAccessManager;
class QNetworkReply;

namespace fathom::app {

struct StreamChunk;

class RemoteStream final : public QObject {
    Q_OBJECT
public:
    static constexpr int kMaxRetries = 3;          // 429 answers waited out before giving up
    static constexpr int kMaxWaitSeconds = 60;     // a longer Retry-After is reported, not waited

    RemoteStream(QNetworkAccessManager* network, const QNetworkRequest& request, const QByteArray& body,
                 ReasoningFolder::Mode mode, const QString& model, QObject* parent = nullptr);
    ~RemoteStream() override;

    void start();
    // Closes the connection; finished(..., Stopped) follows at once.
    void cancel();
    // The HTTP status of the last answer (0 before one arrived or when none did).
    int httpStatus() const { return m_status; }
    bool receivedText() const { return m_deltas > 0; }

signals:
    void text(const QString& text);       // raw reply text to append (one delta)
    void notice(const QString& text);     // "the server is busy; trying again in 5 s"
    void finished(const fathom::app::MessageStats& stats, fathom::app::MessageStatus status, const QString& message);

private:
    void send();
    void onMetaData();
    void onReadyRead();
    void onReplyFinished();
    bool retryLater();
    void feedStream(const QByteArray& bytes);
    bool handleChunk(const StreamChunk& chunk);
    void dropReply();
    // Ends with `message`: as Interrupted when text arrived (it is kept), else as Error.
    void breakOff(const QString& message);
    void end(MessageStatus status, const QString& message);

    QNetworkAccessManager* m_network;
    QNetworkRequest m_request;
    QByteArray m_body;
    ReasoningFolder m_folder;
    QString m_model;
    QPointer<QNetworkReply> m_reply;
    QTimer m_retryTimer;
    SseParser m_parser;
    QByteArray m_plainBody;        // an error answer, or a server that did not stream
    int m_status = 0;
    bool m_isEventStream = false;
    int m_retries = 0;
    bool m_ended = false;
    bool m_sawDone = false;        // "data: [DONE]"
    bool m_sawFinish = false;      // a chunk carried finish_reason
    QElapsedTimer m_clock;         // since start()
    double m_firstMs = -1;
    double m_lastMs = 0;
    qint64 m_deltas = 0;
    MessageStats m_usage;          // from the usage chunk
    bool m_hasUsage = false;
};

}  // namespace fathom::app
