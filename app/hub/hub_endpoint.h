// Where the hub is and who we are to it: builds the URLs huggingface_hub uses and requests that carry
// the token only to the hub's own origin (a redirect to a CDN on another host never gets it).
#pragma once

#include <QByteArray>
#include <QNetworkRequest>
#include <QString>
#include <QUrl>

namespace fathom::app {

class HubEndpoint final {
public:
    // endpoint: e.g. https://huggingface.co (no trailing slash needed); token may be empty.
    HubEndpoint(const QString& endpoint, QString token);

    // $HF_ENDPOINT or https://huggingface.co.
    static QString defaultEndpoint();
    // $HF_TOKEN, else $HUGGING_FACE_HUB_TOKEN, else the file $HF_TOKEN_PATH or $HF_HOME/token
    // (where `huggingface-cli login` stores it); empty when none is set.
    static QString defaultToken();

    const QUrl& base() const { return m_base; }
    // GET {endpoint}/api/models/{repo}/revision/{revision}: repo info with siblings.
    QUrl repoInfoUrl(const QString& repoId, const QString& revision) const;
    // {endpoint}/{repo}/resolve/{revision}/{path}: HEAD for metadata, GET for content.
    QUrl resolveUrl(const QString& repoId, const QString& revision, const QString& path) const;

    // True when url has the endpoint's scheme, host and port: only then is the token sent.
    bool isSameOrigin(const QUrl& url) const;
    // A request with Fathom's user agent, no automatic redirects, identity encoding (sizes and
    // hashes are of the raw bytes), and Authorization only for the endpoint's origin.
    QNetworkRequest request(const QUrl& url) const;

private:
    QUrl m_base;
    QByteArray m_token;
};

}  // namespace fathom::app
