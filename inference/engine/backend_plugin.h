// The contract between the engine and a backend plugin (libfathom_<name>_backend.so, e.g. the CUDA
// backend of the fathom-cuda package), loaded at run time by BackendLoader so the main package needs
// no NVIDIA software. C++ types cross this boundary, so a plugin is accepted only when it was built
// from the same Fathom version with the same ABI number; build plugins with
// fathom_add_backend_plugin() (cmake/FathomBackendPlugin.cmake).
#pragma once

#include "inference/engine/model_runner.h"
#include "inference/model/model_config.h"
#include "inference/model/weight_store.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

// Bump when anything a plugin sees changes layout: this file, ModelRunner, ModelConfig, WeightStore.
#define FATHOM_BACKEND_ABI_VERSION 3
// The one symbol a plugin exports (extern "C", default visibility).
#define FATHOM_BACKEND_ENTRY "fathom_backend_plugin"

namespace fathom::inference {

struct BackendRunnerArgs {
    std::string modelDir;            // the hub-format folder, for messages and side files
    const ModelConfig* config;       // validated config.json
    const WeightStore* weights;      // validated, memory-mapped; valid only during the call
    std::int64_t contextLength;      // tokens the KV cache must hold (> 0)
    int device;                      // device index (0 = first)
    std::function<void(double)> uploadProgress = {};  // fraction uploaded; called on the calling thread, may throw
    std::size_t memoryLimitBytes = 0;  // most device memory to plan for (0: what the device has free)
};

struct BackendPlugin {
    int abiVersion;                  // FATHOM_BACKEND_ABI_VERSION the plugin was built with
    const char* fathomVersion;       // FATHOM_VERSION it was built from; must equal the engine's
    const char* name;                // "cuda": what Backend::Cuda asks for
    // Devices usable right now. 0 means none, with the reason (no driver, no GPU, driver too old)
    // written to *why, so Backend::Auto can fall back to the CPU and say why.
    int (*deviceCount)(std::string* why);
    // Builds a runner on args.device from the weights (copied to the GPU: the store is the engine's,
    // which may fall back to the CPU with it). Throws fathom::Error: UserInput when this backend
    // cannot run the model (the message says why), Resource when the GPU lacks memory.
    std::unique_ptr<ModelRunner> (*createRunner)(const BackendRunnerArgs& args);
    // fp32 logits [tokens.size(), vocab] of one pass over exactly `tokens` from position 0, with a
    // cache of args.contextLength (`fathom-cli logits --backend cuda`). Throws like createRunner.
    std::vector<float> (*logits)(const BackendRunnerArgs& args, const std::vector<std::int32_t>& tokens);
};

}  // namespace fathom::inference

extern "C" {
// A plugin defines this (see FATHOM_BACKEND_EXPORT) and returns a pointer to a static BackendPlugin.
using FathomBackendEntry = const fathom::inference::BackendPlugin* (*)();
}

#define FATHOM_BACKEND_EXPORT extern "C" __attribute__((visibility("default")))
