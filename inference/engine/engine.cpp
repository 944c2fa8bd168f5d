// Engine::load: config.json, the weights and (when present) tokenizer.json — or one .gguf file holding
// all three — are validated completely before a backend is built; the CPU backend is the one every build has, the CUDA one a plugin
// (libfathom_cuda_backend.so from the fathom-cuda package, found by BackendLoader).
#include "inference/engine/engine.h"

#include "inference/engine/backend_loader.h"
#include "inference/engine/cpu_runner.h"
#include "inference/engine/queued_engine.h"
#include "inference/model/generation_config.h"
#include "inference/model/gguf_file.h"
#include "inference/model/json_file.h"
#include "inference/model/model_open.h"
#include "inference/tokenizer/stream_decoder.h"
#include "inference/tokenizer/tokenizer.h"
#include "base/error.h"
#include "base/path_check.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

namespace fathom::inference {

namespace {

// The CPU backend, named with the reason the GPU was not used ("CPU (8 threads; CUDA not used: no
// NVIDIA GPU found)"): the one place a person sees why, without printing on every run.
class AnnotatedRunner final : public ModelRunner {
public:
    AnnotatedRunner(std::unique_ptr<ModelRunner> inner, std::string note) : m_inner(std::move(inner)), m_note(std::move(note)) {}
    std::int64_t vocabSize() const override { return m_inner->vocabSize(); }
    std::int64_t contextLength() const override { return m_inner->contextLength(); }
    std::string backendName() const override
    {
        std::string n = m_inner->backendName();
        return n.empty() || n.back() != ')' ? n + " (" + m_note + ")" : n.substr(0, n.size() - 1) + "; " + m_note + ")";
    }
    const std::vector<std::int32_t>& cachedTokens() const override { return m_inner->cachedTokens(); }
    std::vector<float> forwardLast(const std::vector<std::int32_t>& tokens, std::int64_t startPos,
                                   const std::atomic<bool>* cancel) override
    {
        return m_inner->forwardLast(tokens, startPos, cancel);
    }
    std::int64_t prefillChunk() const override { return m_inner->prefillChunk(); }
    std::int32_t step(const std::vector<std::int32_t>& tokens, std::int64_t startPos, const StepSampling& sampling,
                      const std::atomic<bool>* cancel) override
    {
        return m_inner->step(tokens, startPos, sampling, cancel);
    }

private:
    std::unique_ptr<ModelRunner> m_inner;
    std::string m_note;
};

void step(const LoadProgress& progress, double fraction, const std::string& stage)
{
    if (progress && !progress(fraction, stage))
        throw Error(ErrorKind::Cancelled, "loading the model was cancelled");
}

// End-of-sequence ids: config.json's, plus generation_config.json's (a number or a list) if present.
std::vector<std::int32_t> eosTokens(const std::string& dir, const ModelConfig& config)
{
    std::vector<std::int32_t> eos;
    if (config.eosTokenId >= 0)
        eos.push_back(static_cast<std::int32_t>(config.eosTokenId));
    const std::string path = dir + "/generation_config.json";
    if (isGgufPath(dir) || !pathExists(path))  // a .gguf file has no side files: its EOS is in the metadata
        return eos;
    for (const std::int32_t id : readGenerationEosTokens(path, config.vocabSize))
        eos.push_back(id);
    return eos;
}

// Streams a Tokenizer's text; special tokens (BOS/EOS, FIM markers) show no text.
class StreamTextDecoder final : public TokenTextDecoder {
public:
    explicit StreamTextDecoder(std::shared_ptr<const Tokenizer> tokenizer)
        : m_tokenizer(std::move(tokenizer)), m_decoder(*m_tokenizer, /*skipSpecial=*/true)
    {
    }
    std::string next(std::int32_t token) override { return m_decoder.push(token); }
    std::string flush() override { return m_decoder.flush(); }

private:
    std::shared_ptr<const Tokenizer> m_tokenizer;  // outlives m_decoder, which refers to it
    StreamDecoder m_decoder;
};

}  // namespace

std::unique_ptr<Engine> Engine::load(const std::string& modelDir, const EngineOptions& options,
                                     const LoadProgress& progress)
{
    BackendLoader::requireAvailable(options.backend);  // before reading anything: say what to install
    const bool gguf = isGgufPath(modelDir);
    if (!gguf)
        requireFolder(modelDir);  // permission, symlink loop, not a folder: one user error naming it
    step(progress, 0.0, gguf ? "reading the GGUF file" : "reading config.json");
    OpenedModel opened = openModel(modelDir);
    const ModelConfig config = opened.config;
    WeightStore weights = std::move(opened.weights);
    // The tokenizer is optional for the engine (requests are token ids); with it, events carry text.
    std::shared_ptr<const Tokenizer> tokenizer;
    if (gguf) {
        if (weights.gguf()->find("tokenizer.ggml.model"))
            tokenizer = Tokenizer::fromGguf(weights.gguf()->layout(), modelDir);
    } else if (pathExists(modelDir + "/tokenizer.json")) {
        step(progress, 0.7, "reading tokenizer.json");
        tokenizer = Tokenizer::load(modelDir);
    }
    std::vector<std::int32_t> eos = eosTokens(modelDir, config);
    if (tokenizer && tokenizer->eosId() && std::find(eos.begin(), eos.end(), *tokenizer->eosId()) == eos.end())
        eos.push_back(*tokenizer->eosId());
    QueuedEngine::DecoderFactory decoders;
    if (tokenizer)
        decoders = [tokenizer] { return std::make_unique<StreamTextDecoder>(tokenizer); };
    std::int64_t context = options.contextLength > 0 ? options.contextLength : 4096;
    if (config.maxPositionEmbeddings > 0)
        context = std::min(context, config.maxPositionEmbeddings);
    if (options.weights != WeightFormat::AsStored) {
        step(progress, 0.75, std::string("quantizing the weights to ") + weightFormatName(options.weights));
        weights = quantizeWeights(std::move(weights), options.weights, options.threads);
    }
    const auto loadStart = std::chrono::steady_clock::now();
    const std::size_t weightBytes = weights.totalBytes();
    const std::string quantization = weightsSummary(weights);  // before the CPU runner takes the store
    std::unique_ptr<ModelRunner> runner;
    std::string cudaNote;
    // Auto takes the GPU when fathom-cuda is installed, finds one and its kernels cover the model,
    // else the CPU (saying why once); an explicit --backend cuda that cannot run is the user's error.
    if (options.backend != Backend::Cpu && BackendLoader::load("cuda").plugin) {
        step(progress, 0.8, "uploading weights to the GPU");
        BackendRunnerArgs args{modelDir, &config, &weights, context, 0};
        args.memoryLimitBytes = options.gpuMemoryLimitBytes;
        args.uploadProgress = [&progress](double f) { step(progress, 0.8 + 0.2 * f, "uploading weights to the GPU"); };
        runner = BackendLoader::makeRunner(options.backend, args, &cudaNote);
    }
    if (!runner) {
        step(progress, 0.8, "preparing the CPU backend");
        runner = std::make_unique<CpuRunner>(config, std::move(weights), options.threads, context);
        if (!cudaNote.empty())
            runner = std::make_unique<AnnotatedRunner>(std::move(runner), "CUDA not used: " + cudaNote);
    }
    ModelInfo info;
    info.weightBytes = weightBytes;
    info.quantization = quantization;
    info.backendSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - loadStart).count();
    info.folder = modelDir;
    info.name = gguf ? std::filesystem::path(modelDir).stem().string() : std::filesystem::path(modelDir).filename().string();
    if (info.name.empty())
        info.name = std::filesystem::path(modelDir).parent_path().filename().string();
    auto engine = std::make_unique<QueuedEngine>(std::move(runner), info, std::move(eos), std::move(decoders));
    step(progress, 1.0, "ready");
    return engine;
}

}  // namespace fathom::inference
