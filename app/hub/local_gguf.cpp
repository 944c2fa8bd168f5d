// LocalGguf: the names the model manager shows for where a file came from.
#include "app/hub/local_gguf.h"

namespace fathom::app {

QString LocalGguf::sourceName(Source source)
{
    switch (source) {
    case Source::HubCache: return QStringLiteral("Hugging Face cache");
    case Source::Ollama: return QStringLiteral("Ollama");
    case Source::LmStudio: return QStringLiteral("LM Studio");
    }
    return {};
}

}  // namespace fathom::app
