// GgufDiscovery: a source that is not installed is simply an absent folder, nothing to report.
#include "app/hub/gguf_discovery.h"

#include "app/hub/hub_cache.h"
#include "app/hub/hub_gguf_finder.h"
#include "app/hub/lm_studio_gguf_finder.h"
#include "app/hub/ollama_gguf_finder.h"

namespace fathom::app {

GgufDiscovery::Roots GgufDiscovery::Roots::defaults()
{
    return {HubCache::defaultRoot(), OllamaGgufFinder::defaultRoot(), LmStudioGgufFinder::defaultRoots()};
}

QList<LocalGguf> GgufDiscovery::find(QStringList* skipped) const
{
    QList<LocalGguf> out;
    if (!m_roots.hubCache.isEmpty())
        out += HubGgufFinder(m_roots.hubCache).find(skipped);
    if (!m_roots.ollama.isEmpty())
        out += OllamaGgufFinder(m_roots.ollama).find(skipped);
    if (!m_roots.lmStudio.isEmpty())
        out += LmStudioGgufFinder(m_roots.lmStudio).find(skipped);
    return out;
}

}  // namespace fathom::app
