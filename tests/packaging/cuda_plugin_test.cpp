// The real CUDA plugin (build/plugins/libfathom_cuda_backend.so) through the engine's seam: found,
// version-checked, and running the embedded model with logits close to the CPU reference's.
// Label gpu: without a usable GPU each test skips and prints why.
#include "inference/engine/backend_loader.h"
#include "inference/engine/cpu_runner.h"
#include "inference/engine/engine.h"
#include "base/error.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

using namespace fathom;
using namespace fathom::inference;

namespace {

const std::string kModel = std::string(FATHOM_TEST_DATA) + "/../../resources/models/fathom-tiny-coder";

const BackendPlugin& cudaPluginOrSkip(std::string* skip)
{
    unsetenv("FATHOM_BACKEND_DIR");
    const BackendLoader::Result r = BackendLoader::load("cuda");
    if (!r.plugin)
        throw Error(ErrorKind::Internal, r.problem);  // the build made it: its absence is a bug
    std::string why;
    if (r.plugin->deviceCount(&why) <= 0)
        *skip = "no usable GPU: " + why;
    return *r.plugin;
}

double relativeL2(const std::vector<float>& a, const std::vector<float>& b)
{
    double num = 0, den = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        num += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
        den += double(b[i]) * b[i];
    }
    return std::sqrt(num / den);
}

}  // namespace

TEST(CudaPlugin, isBuiltFoundAndVersionChecked)
{
    std::string skip;
    const BackendPlugin& p = cudaPluginOrSkip(&skip);
    EXPECT_STREQ(p.name, "cuda");
    EXPECT_EQ(p.abiVersion, FATHOM_BACKEND_ABI_VERSION);
}

TEST(CudaPlugin, engineRunsTheTinyCoderOnTheGpuCloseToTheCpu)
{
    std::string skip;
    const BackendPlugin& p = cudaPluginOrSkip(&skip);
    if (!skip.empty())
        GTEST_SKIP() << skip;
    EngineOptions options;
    options.backend = Backend::Cuda;
    options.contextLength = 256;
    EXPECT_EQ(Engine::load(kModel, options)->info().backendName.rfind("CUDA (", 0), 0u);

    const ModelConfig config = ModelConfig::fromFile(kModel + "/config.json");
    const WeightStore weights = WeightStore::openFolder(kModel);
    const std::vector<std::int32_t> tokens{1, 5, 42, 7, 99, 3};
    std::unique_ptr<ModelRunner> gpu = p.createRunner({kModel, &config, &weights, 256, 0});
    CpuRunner cpu(config, WeightStore::openFolder(kModel), 2, 256);
    const double err = relativeL2(gpu->forwardLast(tokens, 0, nullptr), cpu.forwardLast(tokens, 0, nullptr));
    EXPECT_LT(err, 2e-2) << "bf16 GPU vs fp32 CPU, last-token logits";
    const std::vector<float> all = p.logits({kModel, &config, &weights, 16, 0}, tokens);
    EXPECT_EQ(all.size(), tokens.size() * static_cast<std::size_t>(config.vocabSize));
}
