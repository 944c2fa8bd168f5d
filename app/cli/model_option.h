// Shared option handling for the engine commands: --model (or the embedded tiny model) and
// --backend (cpu | cuda | auto).
#pragma once

#include "app/cli/cli_args.h"
#include "inference/engine/engine.h"

#include <string>

namespace fathom::cli {

// --model DIR or FILE.gguf, or the embedded Fathom Tiny Coder when absent (installed share/fathom/models, or the
// source tree's resources/models in a build tree). Throws a user error if neither exists.
std::string modelDir(const CliArgs& args);

// --backend cpu|cuda|auto (default auto). cuda in a build without the CUDA backend is a user error.
inference::Backend backend(const CliArgs& args);

// --threads N: 0 (all cores) to inference::cpu::kMaxCpuThreads; above the hardware's count it is
// clamped by the thread pool. `fallback` is used when absent (a setting, say) and is clamped too.
int threadsOption(const CliArgs& args, std::int64_t fallback = 0);

// --gpu-memory-limit GiB: the most GPU memory the CUDA backend may plan for (0.5 to 4096; absent:
// all the GPU has free), in bytes, 0 when absent. Lets a big GPU stand in for a 16 or 24 GB card.
std::size_t gpuMemoryLimitOption(const CliArgs& args);

}  // namespace fathom::cli
