// A backend plugin for tests: it says it is "cuda" but runs the CPU engine, so the whole dlopen
// seam (lookup, version checks, runner creation, errors crossing the boundary) is tested on
// machines without a GPU. FAKE_PLUGIN_VERSION builds a copy that claims another Fathom version.
// FATHOM_FAKE_BACKEND_DEVICES=N sets the device count it reports (default 1).
#include "fathom_version.h"
#include "inference/engine/backend_plugin.h"
#include "inference/model/model_open.h"
#include "inference/engine/cpu_runner.h"
#include "base/error.h"

#include <atomic>
#include <cstdlib>

#ifndef FAKE_PLUGIN_VERSION
#define FAKE_PLUGIN_VERSION FATHOM_VERSION
#endif

namespace {

using namespace fathom::inference;

class FakeGpuRunner final : public ModelRunner {
public:
    explicit FakeGpuRunner(const BackendRunnerArgs& args)
        : m_cpu(*args.config, openModel(args.modelDir).weights, 1, args.contextLength)  // a folder or a .gguf
    {
    }
    std::int64_t vocabSize() const override { return m_cpu.vocabSize(); }
    std::int64_t contextLength() const override { return m_cpu.contextLength(); }
    std::string backendName() const override { return "fake GPU (test plugin)"; }
    const std::vector<std::int32_t>& cachedTokens() const override { return m_cpu.cachedTokens(); }
    std::vector<float> forwardLast(const std::vector<std::int32_t>& tokens, std::int64_t startPos,
                                   const std::atomic<bool>* cancel) override
    {
        if (tokens.size() > 1000)  // lets a test see an error thrown inside the plugin at run time
            throw fathom::Error(fathom::ErrorKind::Resource, "fake GPU: out of memory for " +
                                                                  std::to_string(tokens.size()) + " tokens");
        return m_cpu.forwardLast(tokens, startPos, cancel);
    }

private:
    CpuRunner m_cpu;
};

int deviceCount(std::string* why)
{
    const char* env = std::getenv("FATHOM_FAKE_BACKEND_DEVICES");
    const int n = env ? std::atoi(env) : 1;
    if (n <= 0 && why)
        *why = "the fake driver reports no devices";
    return n;
}

std::unique_ptr<ModelRunner> createRunner(const BackendRunnerArgs& args)
{
    if (args.device != 0)
        throw fathom::Error(fathom::ErrorKind::UserInput, "fake GPU: no device " + std::to_string(args.device));
    return std::make_unique<FakeGpuRunner>(args);
}

std::vector<float> logits(const BackendRunnerArgs& args, const std::vector<std::int32_t>& tokens)
{
    cpu::CpuModel model(*args.config, *args.weights, 1);
    KvCache cache = model.makeCache(static_cast<std::int64_t>(tokens.size()));
    return model.forward(tokens, 0, cache);
}

const BackendPlugin kPlugin{FATHOM_BACKEND_ABI_VERSION, FAKE_PLUGIN_VERSION, "cuda", deviceCount, createRunner, logits};

}  // namespace

FATHOM_BACKEND_EXPORT const BackendPlugin* fathom_backend_plugin()
{
    return &kPlugin;
}
