// Finds and loads backend plugins (libfathom_<name>_backend.so) with dlopen: from the install's
// plugin folder next to the executable (<prefix>/lib/fathom), then, for programs inside the build
// tree, its plugins/ folder; or only from $FATHOM_BACKEND_DIR when that is set. A missing or unusable plugin is not a crash
// but a result whose problem says where Fathom looked, what it found, and what to install.
#pragma once

#include "inference/engine/backend_plugin.h"
#include "inference/engine/engine.h"

#include <memory>
#include <string>
#include <vector>

namespace fathom::inference {

class BackendLoader final {
public:
    struct Result {
        const BackendPlugin* plugin = nullptr;  // null when not found or rejected
        std::string path;                        // the file loaded (or rejected)
        std::string problem;                     // why plugin is null: one line a person can act on
    };

    // "libfathom_cuda_backend.so" for "cuda".
    static std::string fileName(const std::string& name);
    // Folders searched, in order (those that do not exist included: messages list them).
    static std::vector<std::string> searchDirs();
    // Finds the plugin; opens each file once per process and keeps it loaded.
    static Result load(const std::string& name);

    // The engine's choice for `backend`: a plugin runner, or null to use the CPU. Auto falls back
    // when fathom-cuda is not installed (no note) or cannot run here or this model (*note says why:
    // no GPU, unsupported shape, out of GPU memory). Backend::Cuda throws fathom::Error instead.
    static std::unique_ptr<ModelRunner> makeRunner(Backend backend, const BackendRunnerArgs& args, std::string* note);
    // For Backend::Cuda the loaded plugin, or fathom::Error(UserInput) saying what to install; null
    // for other backends. Lets callers fail before reading weights.
    static const BackendPlugin* requireAvailable(Backend backend);
};

}  // namespace fathom::inference
