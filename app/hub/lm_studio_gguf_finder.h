// GGUF files LM Studio downloaded: <root>/PUBLISHER/REPO/*.gguf, under ~/.lmstudio/models (LM Studio
// 0.3+) or ~/.cache/lm-studio/models (older versions).
#pragma once

#include "app/hub/local_gguf.h"

#include <QStringList>

namespace fathom::app {

class LmStudioGgufFinder final {
public:
    explicit LmStudioGgufFinder(QStringList roots) : m_roots(std::move(roots)) {}
    static QStringList defaultRoots();
    // Readable .gguf files two folders down in every root that exists; others skipped with a reason.
    QList<LocalGguf> find(QStringList* skipped = nullptr) const;

private:
    QStringList m_roots;
};

}  // namespace fathom::app
