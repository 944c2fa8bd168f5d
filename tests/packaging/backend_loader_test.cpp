// The run-time backend seam: BackendLoader finds, checks and opens libfathom_cuda_backend.so, and
// Engine::load picks it or the CPU. Uses fake plugins (fake_backend_plugin.cpp) that wrap the CPU
// engine, so it runs anywhere.
#include "inference/engine/backend_loader.h"
#include "inference/engine/cpu_runner.h"
#include "inference/engine/engine.h"
#include "base/error.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace fathom;
using namespace fathom::inference;

namespace {

const std::string kModel = std::string(FATHOM_TEST_DATA) + "/../../resources/models/fathom-tiny-coder";
const std::string kPlugins = FAKE_PLUGIN_ROOT;  // good/, wrong_version/, no_entry/

std::string emptyDir(const std::string& name)
{
    const std::string dir = std::string(FATHOM_BINARY_DIR) + "/tests/packaging/tmp/" + name;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

void useBackendDir(const std::string& dir, int devices = 1)
{
    setenv("FATHOM_BACKEND_DIR", dir.c_str(), 1);
    setenv("FATHOM_FAKE_BACKEND_DEVICES", std::to_string(devices).c_str(), 1);
}

struct LoadedModel {
    ModelConfig config = ModelConfig::fromFile(kModel + "/config.json");
    WeightStore weights = WeightStore::openFolder(kModel);
    BackendRunnerArgs args() { return {kModel, &config, &weights, 256, 0}; }
};

}  // namespace

TEST(BackendLoader, reportsMissingPluginWithFolderAndPackage)
{
    const std::string dir = emptyDir("missing");
    useBackendDir(dir);
    const BackendLoader::Result r = BackendLoader::load("cuda");
    EXPECT_EQ(r.plugin, nullptr);
    EXPECT_NE(r.problem.find("libfathom_cuda_backend.so"), std::string::npos) << r.problem;
    EXPECT_NE(r.problem.find(dir), std::string::npos) << r.problem;
    EXPECT_NE(r.problem.find("fathom-cuda package"), std::string::npos) << r.problem;
}

TEST(BackendLoader, searchesInstallFolderNextToExecutableThenBuildTree)
{
    unsetenv("FATHOM_BACKEND_DIR");
    const std::vector<std::string> dirs = BackendLoader::searchDirs();
    ASSERT_EQ(dirs.size(), 2u);
    EXPECT_NE(dirs[0].find("/fathom"), std::string::npos) << dirs[0];
    EXPECT_EQ(dirs[1], std::string(FATHOM_BINARY_DIR) + "/plugins");
}

TEST(BackendLoader, loadsMatchingPlugin)
{
    useBackendDir(kPlugins + "/good");
    const BackendLoader::Result r = BackendLoader::load("cuda");
    ASSERT_NE(r.plugin, nullptr) << r.problem;
    EXPECT_EQ(r.path, kPlugins + "/good/libfathom_cuda_backend.so");
    EXPECT_STREQ(r.plugin->name, "cuda");
}

TEST(BackendLoader, rejectsPluginBuiltForAnotherVersion)
{
    useBackendDir(kPlugins + "/wrong_version");
    const BackendLoader::Result r = BackendLoader::load("cuda");
    EXPECT_EQ(r.plugin, nullptr);
    EXPECT_NE(r.problem.find("built for Fathom 0.0.0-other"), std::string::npos) << r.problem;
    EXPECT_NE(r.problem.find("install the matching fathom-cuda"), std::string::npos) << r.problem;
}

TEST(BackendLoader, rejectsLibraryWithoutEntryPoint)
{
    useBackendDir(kPlugins + "/no_entry");
    const BackendLoader::Result r = BackendLoader::load("cuda");
    EXPECT_EQ(r.plugin, nullptr);
    EXPECT_NE(r.problem.find("no fathom_backend_plugin entry point"), std::string::npos) << r.problem;
}

TEST(BackendLoader, reportsFileThatIsNotALibrary)
{
    const std::string dir = emptyDir("garbage");
    std::ofstream(dir + "/libfathom_cuda_backend.so") << "not an ELF file";
    useBackendDir(dir);
    const BackendLoader::Result r = BackendLoader::load("cuda");
    EXPECT_EQ(r.plugin, nullptr);
    EXPECT_NE(r.problem.find("cannot load the cuda backend"), std::string::npos) << r.problem;
}

TEST(BackendLoader, pluginRunnerMatchesCpuLogits)
{
    useBackendDir(kPlugins + "/good");
    LoadedModel viaPlugin, viaCpu;
    std::unique_ptr<ModelRunner> plugin = BackendLoader::makeRunner(Backend::Cuda, viaPlugin.args(), nullptr);
    ASSERT_NE(plugin, nullptr);
    EXPECT_EQ(plugin->backendName(), "fake GPU (test plugin)");
    CpuRunner cpu(viaCpu.config, std::move(viaCpu.weights), 1, 256);
    const std::vector<std::int32_t> tokens{1, 2, 3, 4, 5};
    EXPECT_EQ(plugin->forwardLast(tokens, 0, nullptr), cpu.forwardLast(tokens, 0, nullptr));
    EXPECT_EQ(plugin->cachedTokens(), tokens);
}

TEST(BackendLoader, errorsThrownInsidePluginArriveAsFathomErrors)
{
    useBackendDir(kPlugins + "/good");
    LoadedModel model;
    BackendRunnerArgs args = model.args();
    args.device = 3;
    try {
        BackendLoader::makeRunner(Backend::Cuda, args, nullptr);
        FAIL() << "device 3 was accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::UserInput);
        EXPECT_STREQ(e.what(), "fake GPU: no device 3");
    }
    std::unique_ptr<ModelRunner> runner = BackendLoader::makeRunner(Backend::Cuda, model.args(), nullptr);
    try {
        runner->forwardLast(std::vector<std::int32_t>(1001, 1), 0, nullptr);
        FAIL() << "the plugin's error did not arrive";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Resource);
    }
}

TEST(EngineBackendChoice, cudaUsesThePlugin)
{
    useBackendDir(kPlugins + "/good");
    EngineOptions options;
    options.backend = Backend::Cuda;
    options.contextLength = 256;
    EXPECT_EQ(Engine::load(kModel, options)->info().backendName, "fake GPU (test plugin)");
}

TEST(EngineBackendChoice, cudaWithoutPluginIsAUserErrorNamingThePackage)
{
    useBackendDir(emptyDir("engine-missing"));
    EngineOptions options;
    options.backend = Backend::Cuda;
    try {
        Engine::load(kModel, options);
        FAIL() << "loaded without a CUDA backend";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::UserInput);
        EXPECT_NE(std::string(e.what()).find("fathom-cuda"), std::string::npos) << e.what();
    }
}

TEST(EngineBackendChoice, autoFallsBackToCpuWithoutPluginOrDevice)
{
    EngineOptions options;
    options.contextLength = 256;
    options.threads = 1;
    useBackendDir(emptyDir("auto-missing"));
    EXPECT_EQ(Engine::load(kModel, options)->info().backendName.rfind("CPU", 0), 0u);
    useBackendDir(kPlugins + "/good", 0);
    EXPECT_EQ(Engine::load(kModel, options)->info().backendName.rfind("CPU", 0), 0u);
    useBackendDir(kPlugins + "/good", 1);
    EXPECT_EQ(Engine::load(kModel, options)->info().backendName, "fake GPU (test plugin)");
    options.backend = Backend::Cuda;
    useBackendDir(kPlugins + "/good", 0);
    EXPECT_THROW(Engine::load(kModel, options), Error);
}

namespace {

// A GGUF file goes to the GPU backend like a checkpoint folder (the CUDA backend reads its blocks
// as stored): auto and --backend cuda both load it through the plugin.
TEST(EngineBackendChoice, ggufGoesToTheGpuBackend)
{
    const std::string gguf = std::string(FATHOM_TEST_DATA) + "/gguf/v2lite-mixed.gguf";
    EngineOptions options;
    options.contextLength = 256;
    options.threads = 1;
    useBackendDir(kPlugins + "/good", 1);
    EXPECT_EQ(Engine::load(gguf, options)->info().backendName, "fake GPU (test plugin)");
    options.backend = Backend::Cuda;
    EXPECT_EQ(Engine::load(gguf, options)->info().backendName, "fake GPU (test plugin)");
}

}  // namespace
