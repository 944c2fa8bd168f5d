// What a person reads when a remote server says no: each HTTP status and network failure the remote
// backend meets, in words that say what to check and where. One place, so the chat, the editor and
// the settings page's "Test connection" say the same thing.
#pragma once

#include <QByteArray>
#include <QNetworkReply>
#include <QString>
#include <QUrl>

#include <optional>

namespace fathom::app {

class RemoteErrors final {
public:
    // An HTTP error answer; `body` is the server's error JSON (or whatever it sent).
    static QString forHttp(int status, const QByteArray& body, const QString& model, const QUrl& url);
    // A failure below HTTP (refused, unknown host, TLS, timeout).
    static QString forNetwork(QNetworkReply::NetworkError error, const QString& detail, const QUrl& url);
    // True when an error body says the model does not exist (vLLM: 404 "The model `x` does not
    // exist."; SGLang and DeepSeek's API: 400 "Model Not Exist").
    static bool isUnknownModel(int status, const QByteArray& body);
    // Retry-After as seconds (delta-seconds or an HTTP date); nullopt when absent or unreadable.
    static std::optional<int> retryAfterSeconds(const QByteArray& header);
    // An address for messages: scheme, host and port, never user info.
    static QString hostOf(const QUrl& url);
};

}  // namespace fathom::app
