// GGUF files Ollama downloaded: manifests/REGISTRY/NAMESPACE/NAME/TAG name the model layer's blob,
// blobs/sha256-<hex> is the GGUF itself, so Fathom loads it in place without a second copy.
#pragma once

#include "app/hub/local_gguf.h"

#include <QStringList>

namespace fathom::app {

class OllamaGgufFinder final {
public:
    explicit OllamaGgufFinder(QString modelsRoot) : m_root(std::move(modelsRoot)) {}
    // $OLLAMA_MODELS when set (Ollama's own override), else ~/.ollama/models.
    static QString defaultRoot();
    // One entry per manifest whose blob is a readable GGUF; bad manifests, missing blobs and
    // non-GGUF blobs are skipped with their reason in *skipped.
    QList<LocalGguf> find(QStringList* skipped = nullptr) const;
    // "deepseek-coder-v2:16b" for the default registry's library, else "host/namespace/name:tag".
    static QString displayName(const QString& manifestRelativePath);

private:
    QString m_root;
};

}  // namespace fathom::app
