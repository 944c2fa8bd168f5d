// A GGUF file already on this computer, whoever put it there (Hugging Face cache, Ollama, LM Studio),
// with what its header says. Fathom loads `path` directly (Engine::load takes a lone .gguf).
#pragma once

#include <QList>
#include <QMetaType>
#include <QString>

namespace fathom::app {

struct LocalGguf {
    enum class Source { HubCache, Ollama, LmStudio };  // in memory only, never stored
    Source source = Source::HubCache;
    QString path;          // the file to load (for Ollama a blob named sha256-<hex>)
    QString label;         // "org/repo-GGUF/file.gguf", "deepseek-coder-v2:16b", "publisher/repo/file.gguf"
    QString modelName;     // general.name, may be empty
    QString architecture;  // general.architecture, "deepseek2" for the models Fathom runs
    QString quant;         // "Q4_K_M" …, or "unknown"
    qint64 bytes = 0;

    // Only DeepSeek-V2 family GGUFs run in Fathom's engine; the others are listed, marked unsupported.
    bool runnable() const { return architecture == QLatin1String("deepseek2"); }
    static QString sourceName(Source source);  // "Hugging Face cache", "Ollama", "LM Studio"
};

}  // namespace fathom::app

Q_DECLARE_METATYPE(fathom::app::LocalGguf)
