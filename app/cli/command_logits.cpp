// `fathom-cli logits`: fp32 logits [n_tokens, vocab] of one forward pass over exactly the given
// tokens, written as a NumPy .npy file (docs/ARCHITECTURE.md, "Command-line contract").
#include "app/cli/commands.h"

#include "app/cli/model_option.h"
#include "inference/cpu/cpu_model.h"
#include "inference/engine/backend_loader.h"
#include "inference/model/model_open.h"
#include "base/error.h"

#include <cstdio>
#include <fstream>

namespace fathom::cli {

namespace {

// .npy version 1.0: magic, header length, a Python dict padded with spaces to a 64-byte boundary.
void writeNpy(const std::string& path, const std::vector<float>& data, std::int64_t rows, std::int64_t cols)
{
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(rows) + ", " +
                         std::to_string(cols) + "), }";
    const std::size_t total = 10 + header.size() + 1;
    header.append((64 - total % 64) % 64, ' ');
    header += '\n';
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out)
        throwFileError(path, "cannot be opened for writing");
    const std::uint16_t len = static_cast<std::uint16_t>(header.size());
    out.write("\x93NUMPY\x01\x00", 8);
    out.put(char(len & 0xff));
    out.put(char(len >> 8));
    out << header;
    // The .npy is little-endian float32; so is every machine Fathom runs on.
    out.write(reinterpret_cast<const char*>(data.data()), std::streamsize(data.size() * sizeof(float)));
    if (!out.flush())
        throwFileError(path, "could not be written (disk full?)");
}

}  // namespace

int runLogits(int argc, char** argv)
{
    const CliArgs args(argc, argv, 2, {}, {"model", "tokens", "out", "backend", "threads"});
    const inference::Backend which = backend(args);
    // The CUDA plugin (fathom-cuda) is looked for first: without it, say what to install at once.
    const inference::BackendPlugin* cuda = inference::BackendLoader::requireAvailable(which);
    const std::string dir = modelDir(args);
    const std::vector<std::int32_t> tokens = args.getIds("tokens");
    const std::string out = args.get("out");
    if (tokens.empty())
        throwUserError("--tokens needs at least one id");
    const inference::OpenedModel opened = inference::openModel(dir);  // a folder or a .gguf file
    const inference::ModelConfig& config = opened.config;
    const inference::WeightStore& weights = opened.weights;
    if (cuda && opened.gguf)
        throwUserError(dir + ": the CUDA backend does not run GGUF files yet; use --backend cpu");
    // CUDA only when asked for: without --backend cuda, logits stay the CPU reference's.
    if (cuda) {
        std::string why;
        if (cuda->deviceCount(&why) <= 0)
            throwUserError("--backend cuda cannot run " + dir + ": " + (why.empty() ? "no usable GPU" : why));
        const inference::BackendRunnerArgs run{dir, &config, &weights, static_cast<std::int64_t>(tokens.size()), 0};
        writeNpy(out, cuda->logits(run, tokens), static_cast<std::int64_t>(tokens.size()), config.vocabSize);
        return 0;
    }
    inference::cpu::CpuModel model(config, weights, static_cast<int>(args.getInt("threads", 0)));
    inference::KvCache cache = model.makeCache(static_cast<std::int64_t>(tokens.size()));
    const std::vector<float> logits = model.forward(tokens, 0, cache);
    writeNpy(out, logits, static_cast<std::int64_t>(tokens.size()), config.vocabSize);
    return 0;
}

}  // namespace fathom::cli
