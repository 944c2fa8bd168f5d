// modelDir / backend: the two options every engine command shares.
#include "app/cli/model_option.h"

#include "base/error.h"
#include "base/path_check.h"
#include "inference/cpu/thread_pool.h"
#include "inference/model/gguf_file.h"

#include <algorithm>

#include <filesystem>
#include <vector>

namespace fathom::cli {

namespace {

std::string executableDir()
{
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::string() : exe.parent_path().string();
}

}  // namespace

std::string modelDir(const CliArgs& args)
{
    if (args.has("model")) {
        const std::string dir = args.get("model");
        if (!inference::isGgufPath(dir))  // a lone .gguf is a whole model; the reader names its own problems
            requireFolder(dir);  // a symlink loop or an unreadable folder is named as such, exit 1
        return dir;
    }
    const std::string name = "models/fathom-tiny-coder";
    std::vector<std::string> candidates;
    if (const std::string exe = executableDir(); !exe.empty())
        candidates.push_back(std::filesystem::path(exe + "/../share/fathom/" + name).lexically_normal().string());
#ifdef FATHOM_SOURCE_RESOURCES
    candidates.push_back(std::string(FATHOM_SOURCE_RESOURCES) + "/" + name);
#endif
    for (const std::string& c : candidates)
        if (std::filesystem::exists(c + "/config.json"))
            return c;
    throwUserError("no --model given and the embedded tiny model was not found; pass --model DIR");
}

int threadsOption(const CliArgs& args, std::int64_t fallback)
{
    const std::int64_t clampedFallback = std::clamp<std::int64_t>(fallback, 0, inference::cpu::kMaxCpuThreads);
    return static_cast<int>(args.getInt("threads", clampedFallback, 0, inference::cpu::kMaxCpuThreads));
}

std::size_t gpuMemoryLimitOption(const CliArgs& args)
{
    if (!args.has("gpu-memory-limit"))
        return 0;
    const double gib = args.getDouble("gpu-memory-limit", 0);
    if (gib < 0.5 || gib > 4096)
        throwUserError("--gpu-memory-limit must be between 0.5 and 4096 (GiB), got " + args.get("gpu-memory-limit"));
    return static_cast<std::size_t>(gib * double(1ull << 30));
}

inference::Backend backend(const CliArgs& args)
{
    const std::string b = args.get("backend", "auto");
    if (b == "cpu")
        return inference::Backend::Cpu;
    if (b == "auto")
        return inference::Backend::Auto;
    if (b == "cuda")  // the engine says clearly when the CUDA plugin (fathom-cuda) is missing
        return inference::Backend::Cuda;
    throwUserError("--backend must be cpu, cuda or auto, got '" + b + "'");
}

}  // namespace fathom::cli
