// Shared by the editor tests and the screenshot tool: an EngineBridge that loads a model folder with
// the real engine and the completion prompter (no chat encoder: these tests only complete code).
#pragma once

#include "app/services/engine_bridge.h"

#include <QString>

#include <memory>

namespace fathom::test {

QString tinyCoderDir();
// A bridge with the tiny coder loaded (waits up to 60 s); null after a failed load, with `error` set.
std::unique_ptr<app::EngineBridge> loadedBridge(const QString& modelDir, QString* error);

}  // namespace fathom::test
