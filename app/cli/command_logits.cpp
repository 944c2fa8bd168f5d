// `fathom-cli logits`: fp32 logits [n_tokens, vocab] of one forward pass over exactly the given
// tokens, written as a NumPy .npy file (docs/ARCHITECTURE.md, "Command-line contract").
#include "app/cli/commands.h"

#include "app/cli/model_option.h"
#include "inference/cpu/cpu_model.h"
#include "inference/engine/backend_loader.h"
#include "inference/model/model_open.h"
#include "base/error.h"

#include <algorithm>
#include <cmath>
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

// The first non-finite logit, as "position P (token T), vocab entry V"; "" when all are finite.
// NaN weights or an overflow in the forward pass show up here, and must not end in a .npy of NaN
// with exit status 0.
std::string firstNonFinite(const std::vector<float>& logits, const std::vector<std::int32_t>& tokens, std::int64_t vocab)
{
    for (std::size_t i = 0; i < logits.size(); ++i)
        if (!std::isfinite(logits[i])) {
            const std::size_t pos = i / static_cast<std::size_t>(vocab);
            return "position " + std::to_string(pos) + " (token " + std::to_string(tokens[pos]) + "), vocab entry " +
                   std::to_string(i % static_cast<std::size_t>(vocab)) + " is " +
                   (std::isnan(logits[i]) ? "NaN" : "infinite");
        }
    return {};
}

}  // namespace

int runLogits(int argc, char** argv)
{
    const CliArgs args(argc, argv, 2, {}, {"model", "tokens", "tokens-file", "out", "backend", "threads", "context", "gpu-memory-limit"});
    const inference::Backend which = backend(args);
    // The CUDA plugin (fathom-cuda) is looked for first: without it, say what to install at once.
    const inference::BackendPlugin* cuda = inference::BackendLoader::requireAvailable(which);
    const std::string dir = modelDir(args);
    const std::vector<std::int32_t> tokens = args.getPromptIds(/*required=*/true);
    const std::string out = args.get("out");
    const int threads = threadsOption(args);
    const std::int64_t contextOption = args.getInt("context", 4096, 1, kMaxContextOption);
    const inference::OpenedModel opened = inference::openModel(dir);  // a folder or a .gguf file
    const inference::ModelConfig& config = opened.config;
    // The same context rule as generate (Engine::load): --context, at most max_position_embeddings.
    std::int64_t context = contextOption;
    if (config.maxPositionEmbeddings > 0)
        context = std::min(context, config.maxPositionEmbeddings);
    const auto n = static_cast<std::int64_t>(tokens.size());
    if (n > context)
        throwUserError("context full: " + std::to_string(n) + " tokens but the context holds " + std::to_string(context) +
                       (context < contextOption ? " (the model's max_position_embeddings)" : " (--context)") +
                       "; pass fewer tokens or raise --context");
    const inference::WeightStore& weights = opened.weights;
    std::vector<float> logits;
    // CUDA only when asked for: without --backend cuda, logits stay the CPU reference's.
    if (cuda) {
        std::string why;
        if (cuda->deviceCount(&why) <= 0)
            throwUserError("--backend cuda cannot run " + dir + ": " + (why.empty() ? "no usable GPU" : why));
        inference::BackendRunnerArgs run{dir, &config, &weights, n, 0};
        run.memoryLimitBytes = gpuMemoryLimitOption(args);
        logits = cuda->logits(run, tokens);
    } else {
        inference::cpu::CpuModel model(config, weights, threads);
        inference::KvCache cache = model.makeCache(n);
        logits = model.forward(tokens, 0, cache);
    }
    if (const std::string bad = firstNonFinite(logits, tokens, config.vocabSize); !bad.empty())
        throwUserError(dir + ": the model produced non-finite logits at " + bad + "; nothing was written to " + out);
    writeNpy(out, logits, n, config.vocabSize);
    return 0;
}

}  // namespace fathom::cli
