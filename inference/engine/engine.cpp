// Engine::load: config.json, the weights and (when present) tokenizer.json are validated completely
// before a backend is built; the CPU backend is the one every build has.
#include "inference/engine/engine.h"

#include "inference/engine/cpu_runner.h"
#include "inference/engine/queued_engine.h"
#include "inference/model/json_file.h"
#include "inference/tokenizer/stream_decoder.h"
#include "inference/tokenizer/tokenizer.h"
#include "inference/util/error.h"

#include <algorithm>
#include <filesystem>

#ifdef FATHOM_HAVE_CUDA
#include "inference/cuda/cuda_device.h"
#include "inference/cuda/cuda_model.h"
#include "inference/cuda/cuda_runner.h"
#endif

namespace fathom::inference {

namespace {

#ifdef FATHOM_HAVE_CUDA
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

private:
    std::unique_ptr<ModelRunner> m_inner;
    std::string m_note;
};
#endif

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
    if (!std::filesystem::exists(path))
        return eos;
    const nlohmann::json j = readJsonFile(path, 1 << 20, 100'000);
    if (!j.is_object() || !j.contains("eos_token_id"))
        return eos;
    const nlohmann::json& e = j["eos_token_id"];
    for (const nlohmann::json& v : e.is_array() ? e : nlohmann::json::array({e}))
        if (v.is_number_integer() && v.get<std::int64_t>() >= 0 && v.get<std::int64_t>() < config.vocabSize)
            eos.push_back(v.get<std::int32_t>());
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
#ifndef FATHOM_HAVE_CUDA
    if (options.backend == Backend::Cuda)
        throwUserError("this build of Fathom has no CUDA backend; use the CPU backend");
#endif
    step(progress, 0.0, "reading config.json");
    const ModelConfig config = ModelConfig::fromFile(modelDir + "/config.json");
    step(progress, 0.1, "validating weights");
    WeightStore weights = WeightStore::openFolder(modelDir);
    weights.validateAgainst(config, modelDir);
    // The tokenizer is optional for the engine (requests are token ids); with it, events carry text.
    std::shared_ptr<const Tokenizer> tokenizer;
    if (std::filesystem::exists(modelDir + "/tokenizer.json")) {
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
    std::unique_ptr<ModelRunner> runner;
    std::string cudaNote;
#ifdef FATHOM_HAVE_CUDA
    // Auto takes the GPU when there is one and the kernels cover the model, else the CPU (saying why
    // once); an explicit --backend cuda that cannot run is the user's error to see.
    if (options.backend != Backend::Cpu) {
        std::string why;
        const cuda::DeviceInfo& dev = cuda::probeDevice();
        if (!dev.usable)
            why = dev.reason;
        else if (cuda::CudaModel::supports(config, &why)) {
            step(progress, 0.8, "uploading weights to " + dev.name);
            try {
                runner = std::make_unique<CudaRunner>(config, weights, context);
            } catch (const Error& e) {
                if (options.backend == Backend::Cuda || e.kind() != ErrorKind::Resource)
                    throw;
                why = e.what();
            }
        }
        if (!runner && options.backend == Backend::Cuda)
            throwUserError("the CUDA backend cannot run " + modelDir + ": " + why);
        if (!runner)
            cudaNote = "CUDA not used: " + why;
    }
#endif
    if (!runner) {
        step(progress, 0.8, "preparing the CPU backend");
        runner = std::make_unique<CpuRunner>(config, std::move(weights), options.threads, context);
#ifdef FATHOM_HAVE_CUDA
        if (!cudaNote.empty())
            runner = std::make_unique<AnnotatedRunner>(std::move(runner), cudaNote);
#endif
    }
    ModelInfo info;
    info.folder = modelDir;
    info.name = std::filesystem::path(modelDir).filename().string();
    if (info.name.empty())
        info.name = std::filesystem::path(modelDir).parent_path().filename().string();
    auto engine = std::make_unique<QueuedEngine>(std::move(runner), info, std::move(eos), std::move(decoders));
    step(progress, 1.0, "ready");
    return engine;
}

}  // namespace fathom::inference
