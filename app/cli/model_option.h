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

}  // namespace fathom::cli
