// Finds models already on disk: the embedded default (resources/models/fathom-tiny-coder, installed
// under share/fathom/models) and snapshots in the Hugging Face cache, so models other tools
// downloaded are used, not fetched again. Reads the disk: call it off the GUI thread.
#pragma once

#include <QList>
#include <QMetaType>
#include <QString>

namespace fathom::app {

struct LocalModel {
    QString name;       // "deepseek-ai/DeepSeek-Coder-V2-Lite-Instruct" or "fathom-tiny-coder"
    QString folder;     // the snapshot folder holding config.json
    bool embedded = false;
    QString quant;      // "Q4_K_M" for a GGUF file (folder is then the .gguf path); empty for safetensors
};

class ModelLocator final {
public:
    // Embedded model first (when present), then the HF cache, by name.
    static QList<LocalModel> findModels();
    // The HF hub cache folder: $HF_HUB_CACHE, $HF_HOME/hub or ~/.cache/huggingface/hub.
    static QString hubCacheFolder();
    // True when `folder` holds config.json and safetensors weights (single file or index).
    static bool looksLikeModel(const QString& folder);

private:
    static QStringList embeddedCandidates();
};

}  // namespace fathom::app

Q_DECLARE_METATYPE(fathom::app::LocalModel)
