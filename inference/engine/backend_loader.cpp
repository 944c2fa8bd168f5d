// BackendLoader: dlopen of libfathom_<name>_backend.so with version checks, and the engine's
// backend choice (plugin when asked for and usable, CPU otherwise).
#include "inference/engine/backend_loader.h"

#include "fathom_version.h"
#include "base/error.h"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>

namespace fathom::inference {

namespace {

#ifndef FATHOM_PLUGIN_RELDIR
#define FATHOM_PLUGIN_RELDIR "lib/fathom"
#endif

std::string executableDir()
{
    std::error_code ec;
    const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::string() : exe.parent_path().string();
}

std::string joinDirs(const std::vector<std::string>& dirs)
{
    std::string out;
    for (const std::string& d : dirs)
        out += (out.empty() ? "" : ", ") + d;
    return out;
}

std::string findPlugin(const std::string& file, const std::vector<std::string>& dirs)
{
    for (const std::string& dir : dirs)
        if (std::filesystem::exists(dir + "/" + file))
            return dir + "/" + file;
    return {};
}

BackendLoader::Result openPlugin(const std::string& name, const std::string& path)
{
    BackendLoader::Result r;
    r.path = path;
    const std::string package = "fathom-" + name;
    // RTLD_LOCAL: the plugin's own copy of engine code stays private to it.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char* why = dlerror();
        r.problem = path + ": cannot load the " + name + " backend: " + (why ? why : "unknown dlopen error") +
                    " (is a library it needs missing? check that " + package + "'s dependencies are installed)";
        return r;
    }
    auto entry = reinterpret_cast<FathomBackendEntry>(dlsym(handle, FATHOM_BACKEND_ENTRY));
    const BackendPlugin* plugin = entry ? entry() : nullptr;
    if (!plugin) {
        r.problem = path + ": not a Fathom backend plugin (no " FATHOM_BACKEND_ENTRY " entry point)";
    } else if (plugin->abiVersion != FATHOM_BACKEND_ABI_VERSION ||
               std::strcmp(plugin->fathomVersion ? plugin->fathomVersion : "", FATHOM_VERSION) != 0) {
        r.problem = path + ": built for Fathom " + (plugin->fathomVersion ? plugin->fathomVersion : "?") +
                    " (backend ABI " + std::to_string(plugin->abiVersion) + ") but this is Fathom " FATHOM_VERSION
                    " (ABI " + std::to_string(FATHOM_BACKEND_ABI_VERSION) + "); install the matching " + package;
    } else if (std::strcmp(plugin->name ? plugin->name : "", name.c_str()) != 0 || !plugin->deviceCount ||
               !plugin->createRunner || !plugin->logits) {
        r.problem = path + ": the plugin does not describe a complete '" + name + "' backend";
    } else {
        r.plugin = plugin;
        return r;
    }
    dlclose(handle);
    return r;
}

}  // namespace

std::string BackendLoader::fileName(const std::string& name)
{
    return "libfathom_" + name + "_backend.so";
}

std::vector<std::string> BackendLoader::searchDirs()
{
    std::vector<std::string> dirs;
    // FATHOM_BACKEND_DIR replaces the search (tests; or pointing at an empty folder to force the CPU).
    if (const char* env = std::getenv("FATHOM_BACKEND_DIR"); env && *env)
        return {env};
    const std::string exe = executableDir();
    if (!exe.empty())
        dirs.push_back(std::filesystem::path(exe + "/../" FATHOM_PLUGIN_RELDIR).lexically_normal().string());
#ifdef FATHOM_BUILD_ROOT
    // Programs still in the build tree use its plugins; installed ones never look there.
    if (exe.rfind(FATHOM_BUILD_ROOT "/", 0) == 0)
        dirs.emplace_back(FATHOM_BUILD_ROOT "/plugins");
#endif
    return dirs;
}

BackendLoader::Result BackendLoader::load(const std::string& name)
{
    const std::string file = fileName(name);
    const std::vector<std::string> dirs = searchDirs();
    const std::string path = findPlugin(file, dirs);
    if (path.empty()) {
        Result r;
        r.problem = "the " + name + " backend is not installed: " + file + " is in none of " + joinDirs(dirs) +
                    " (install the fathom-" + name + " package)";
        return r;
    }
    // Opened once per file and never closed: runners a plugin made must not outlive its code.
    static std::mutex mutex;
    static std::map<std::string, Result> opened;
    std::lock_guard lock(mutex);
    auto it = opened.find(path);
    if (it == opened.end())
        it = opened.emplace(path, openPlugin(name, path)).first;
    return it->second;
}

const BackendPlugin* BackendLoader::requireAvailable(Backend backend)
{
    if (backend != Backend::Cuda)
        return nullptr;
    const Result r = load("cuda");
    if (!r.plugin)
        throwUserError(r.problem);
    return r.plugin;
}

std::unique_ptr<ModelRunner> BackendLoader::makeRunner(Backend backend, const BackendRunnerArgs& args, std::string* note)
{
    if (backend == Backend::Cpu)
        return nullptr;
    const Result r = load("cuda");
    if (!r.plugin) {
        if (backend == Backend::Cuda)
            throwUserError(r.problem);
        return nullptr;  // Auto without fathom-cuda: the CPU, nothing to explain
    }
    std::string why;
    if (r.plugin->deviceCount(&why) <= 0) {
        if (backend == Backend::Cuda)
            throwUserError("the CUDA backend cannot run " + args.modelDir + ": " + (why.empty() ? "no usable GPU" : why));
        if (note)
            *note = why.empty() ? "no usable GPU" : why;
        return nullptr;
    }
    std::unique_ptr<ModelRunner> runner;
    try {
        runner = r.plugin->createRunner(args);
    } catch (const Error& e) {
        // Auto: a model the kernels do not cover, or one too big for the GPU, runs on the CPU instead.
        if (backend == Backend::Cuda || (e.kind() != ErrorKind::UserInput && e.kind() != ErrorKind::Resource))
            throw;
        if (note)
            *note = e.what();
        return nullptr;
    }
    if (!runner)
        throwInternalError(r.path + ": the backend returned no runner and no error");
    return runner;
}

}  // namespace fathom::inference
