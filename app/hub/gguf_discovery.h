// Every GGUF on this computer Fathom knows where to look for: the HF cache, Ollama, LM Studio. Reads
// file headers: call it off the GUI thread (DownloadWorker does).
#pragma once

#include "app/hub/local_gguf.h"

#include <QStringList>

namespace fathom::app {

class GgufDiscovery final {
public:
    struct Roots {
        QString hubCache;
        QString ollama;
        QStringList lmStudio;
        static Roots defaults();  // HubCache::defaultRoot(), $OLLAMA_MODELS or ~/.ollama/models, LM Studio's two
    };
    explicit GgufDiscovery(Roots roots) : m_roots(std::move(roots)) {}

    // HF cache first, then Ollama, then LM Studio; each source in its own order.
    QList<LocalGguf> find(QStringList* skipped = nullptr) const;

private:
    Roots m_roots;
};

}  // namespace fathom::app
