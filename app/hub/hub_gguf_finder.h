// GGUF files in the Hugging Face cache: models--ORG--NAME/snapshots/REV/**/*.gguf, downloaded by
// Fathom (one file of a GGUF repo), huggingface-cli or llama.cpp's -hf.
#pragma once

#include "app/hub/local_gguf.h"

#include <QStringList>

namespace fathom::app {

class HubGgufFinder final {
public:
    explicit HubGgufFinder(QString cacheRoot) : m_root(std::move(cacheRoot)) {}
    // Every readable .gguf (one entry per blob when two snapshots share it); the others are skipped
    // with their reason in *skipped.
    QList<LocalGguf> find(QStringList* skipped = nullptr) const;

private:
    QString m_root;
};

}  // namespace fathom::app
