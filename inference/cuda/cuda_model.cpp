// CudaModel: setup (shape checks, weight upload, every buffer allocated once), forward (decode graph
// for one token, prefill in chunks otherwise) and step (the same, sampled on the GPU).
#include "inference/cuda/cuda_model_impl.h"

#include "kernels/mla_decode.cuh"
#include "kernels/mla_prefill.cuh"
#include "inference/cpu/rope.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>

namespace fathom::inference::cuda {

namespace {

// CudaModelOptions::int8Activations = -1: on, unless FATHOM_CUDA_INT8=0 says otherwise.
bool int8ActivationsByDefault()
{
    const char* v = std::getenv("FATHOM_CUDA_INT8");
    return !(v && std::strcmp(v, "0") == 0);
}

}  // namespace

bool CudaModel::supports(const ModelConfig& c, std::string* reason)
{
    auto no = [reason](const std::string& why) {
        if (reason)
            *reason = why;
        return false;
    };
    // V2-Lite's attention (512 + 64 latent, heads in 16s) runs the tensor-core mla_decode; any other
    // shape runs mla_decode_generic. q_lora_rank adds q_a_proj -> q_a_layernorm -> q_b_proj. Expert
    // sizes are zero-padded to 64 rows; hidden sizes that moe_prefill's tiles do not fit (not a
    // multiple of 128) run the decode expert kernel per prompt token. What remains are the limits
    // of the shared kernels: 16-byte vectors (multiples of 8) and their register/shared-memory sizes.
    if (c.hiddenSize % 8 != 0 || c.hiddenSize > 8192)
        return no("hidden_size must be a multiple of 8 up to 8192, not " + std::to_string(c.hiddenSize));
    if (c.kvLoraRank % 8 != 0 || c.kvLoraRank > 1024 || c.qkRopeHeadDim % 8 != 0 || c.qkRopeHeadDim > 256)
        return no("kv_lora_rank (up to 1024) and qk_rope_head_dim (up to 256) must be multiples of 8, not " +
                  std::to_string(c.kvLoraRank) + " and " + std::to_string(c.qkRopeHeadDim));
    if (c.qkNopeHeadDim % 8 != 0 || c.vHeadDim % 8 != 0 || c.qkNopeHeadDim <= 0 || c.vHeadDim <= 0)
        return no("qk_nope_head_dim and v_head_dim must be positive multiples of 8");
    if (c.qLoraRank != 0 && (c.qLoraRank % 8 != 0 || c.qLoraRank > 8192))
        return no("q_lora_rank must be a multiple of 8 up to 8192, not " + std::to_string(c.qLoraRank));
    if (c.nRoutedExperts > 512 || c.numExpertsPerTok > 16)
        return no("more than 512 routed experts or 16 per token");
    if (c.nRoutedExperts > 0 && c.numExpertsPerTok + c.nSharedExperts > 32)
        return no("more than 32 experts per token (routed + shared)");
    return true;
}

CudaModel::CudaModel(const ModelConfig& config, const WeightStore& weights, const CudaModelOptions& options)
    : m_impl(std::make_unique<Impl>())
{
    std::string why;
    if (!supports(config, &why))
        throwUserError("the CUDA backend cannot run this model: " + why);
    m_impl->config = config;
    m_impl->options = options;
    m_impl->setup(weights);
}

CudaModel::~CudaModel() = default;

CudaModel::Impl::~Impl()
{
    if (stream)
        cudaStreamSynchronize(stream);
    if (graph)
        cudaGraphExecDestroy(graph);
    if (cublas)
        cublasDestroy(cublas);
    if (pinnedIn)
        cudaFreeHost(pinnedIn);
    if (pinnedOut)
        cudaFreeHost(pinnedOut);
    if (stream)
        cudaStreamDestroy(stream);
}

void CudaModel::Impl::setup(const WeightStore& w)
{
    const ModelConfig& c = config;
    H = static_cast<int>(c.hiddenSize);
    NH = static_cast<int>(c.numHeads);
    nope = static_cast<int>(c.qkNopeHeadDim);
    rope = static_cast<int>(c.qkRopeHeadDim);
    qDim = nope + rope;
    rank = static_cast<int>(c.kvLoraRank);
    vdim = static_cast<int>(c.vHeadDim);
    kvWidth = rank + rope;
    vocab = static_cast<int>(c.vocabSize);
    qLora = static_cast<int>(c.qLoraRank);
    qaRows = qLora > 0 ? qLora : NH * qDim;
    qkvRows = qaRows + kvWidth;
    fastMla = rank == 512 && rope == 64 && NH % 16 == 0;
    groupedExperts = H % 128 == 0;
    scale = static_cast<float>(c.softmaxScale());
    eps = static_cast<float>(c.rmsNormEps);
    maxTopK = static_cast<int>(std::max<std::int64_t>(c.numExpertsPerTok, 1));
    maxExperts = static_cast<int>(std::max<std::int64_t>(c.nRoutedExperts, 1));

    check(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "creating the CUDA stream");
    check(cublasCreate(&cublas), "creating the cuBLAS handle");
    check(cublasSetStream(cublas, stream), "binding cuBLAS to the stream");
    check(cudaHostAlloc(reinterpret_cast<void**>(&pinnedIn), sizeof(StepInputs), cudaHostAllocDefault), "allocating pinned memory");
    check(cudaHostAlloc(reinterpret_cast<void**>(&pinnedOut), 16, cudaHostAllocDefault), "allocating pinned memory");
    *pinnedIn = StepInputs{};

    packed = CudaWeights::packedLayout(c, w);
    int8 = options.int8Activations >= 0 ? options.int8Activations != 0 : int8ActivationsByDefault();
    // The memory plan is checked before the weights take any GPU memory; the buffers follow them.
    weights = std::make_unique<CudaWeights>(c, w, options.uploadProgress,
                                            [this](std::size_t bytes, const std::vector<CudaLayerWeights>& layers) {
                                                checkMemory(bytes, layers);
                                            });
    allocateBuffers();
    check(cudaMemset(cache.as(), 0, cache.bytes()), "clearing the KV cache");  // never NaN garbage
    {
        std::vector<std::int32_t> t(static_cast<std::size_t>(pages));
        for (int i = 0; i < pages; ++i)
            t[static_cast<std::size_t>(i)] = i;
        check(cudaMemcpy(blockTable.as(), t.data(), t.size() * 4, cudaMemcpyHostToDevice), "uploading the block table");
    }
    {
        // The CPU backend's YaRN tables (one implementation of the easy-to-get-wrong part).
        const cpu::RopeTables t = cpu::ropeTables(cpu::YarnRope(rope, c.ropeTheta, c.ropeScaling), capacity);
        check(cudaMemcpy(ropeCos.as(), t.cos.data(), t.cos.size() * 4, cudaMemcpyHostToDevice), "uploading rope tables");
        check(cudaMemcpy(ropeSin.as(), t.sin.data(), t.sin.size() * 4, cudaMemcpyHostToDevice), "uploading rope tables");
    }
    check(cudaMemset(routeCounters.as(), 0, routeCounters.bytes()), "clearing router counters");
    check(cudaMemset(expertSync.as(), 0, expertSync.bytes()), "clearing expert counters");
    check(cudaMemset(samplingScratch.as(), 0, samplingScratch.bytes()), "clearing the sampler workspace");
    check(cudaDeviceSynchronize(), "setting up the CUDA backend");
}

const ModelConfig& CudaModel::config() const { return m_impl->config; }
std::int64_t CudaModel::capacity() const { return m_impl->capacity; }
const LoadStats& CudaModel::loadStats() const { return m_impl->weights->stats(); }
const KernelPathCounts& CudaModel::kernelPaths() const { return m_impl->paths; }
int CudaModel::prefillChunk() const { return m_impl->chunk; }
bool CudaModel::packedWeights() const { return m_impl->packed; }

std::size_t CudaModel::deviceBytes() const
{
    std::size_t freeB = 0, totalB = 0;
    cudaMemGetInfo(&freeB, &totalB);
    return totalB - freeB;
}

namespace {

void checkTokens(const std::vector<std::int32_t>& tokens, std::int64_t startPos, std::int64_t vocab, std::int64_t capacity)
{
    for (std::int32_t t : tokens)
        if (t < 0 || t >= vocab)
            throwUserError("token id " + std::to_string(t) + " is outside the vocabulary (0.." + std::to_string(vocab - 1) + ")");
    if (startPos < 0 || startPos + static_cast<std::int64_t>(tokens.size()) > capacity)
        throw Error(ErrorKind::Resource, "context is full: " + std::to_string(startPos + tokens.size()) +
                                             " tokens do not fit the " + std::to_string(capacity) + "-token context");
}

}  // namespace

std::vector<float> CudaModel::forward(const std::vector<std::int32_t>& tokens, std::int64_t startPos, bool lastOnly,
                                      const std::atomic<bool>* cancel)
{
    Impl& m = *m_impl;
    checkTokens(tokens, startPos, m.vocab, m.capacity);
    const std::size_t V = static_cast<std::size_t>(m.vocab);
    if (tokens.empty())
        return {};
    if (tokens.size() == 1) {
        m.pinnedIn->token = tokens[0];
        m.pinnedIn->position = static_cast<std::int32_t>(startPos);
        m.pinnedIn->sampling = kernels::SamplingSettings{};  // greedy: the logits are what is wanted
        m.runDecode();
        std::vector<float> out(V);
        // On the model's stream: it is non-blocking, so a plain cudaMemcpy would not wait for the graph.
        check(cudaMemcpyAsync(out.data(), m.logits.as(), V * 4, cudaMemcpyDeviceToHost, m.stream), "reading logits");
        check(cudaStreamSynchronize(m.stream), "running a decode step");
        return out;
    }
    std::vector<float> out;
    for (std::size_t i = 0; i < tokens.size(); i += static_cast<std::size_t>(m.chunk)) {
        if (cancel && cancel->load(std::memory_order_relaxed))
            throw Error(ErrorKind::Cancelled, "the request was cancelled");
        const int n = static_cast<int>(std::min<std::size_t>(m.chunk, tokens.size() - i));
        const bool last = i + n == tokens.size();
        m.enqueuePrefill(tokens.data() + i, n, startPos + static_cast<std::int64_t>(i), lastOnly);
        if (!lastOnly || last) {
            const std::size_t rows = lastOnly ? 1 : static_cast<std::size_t>(n);
            const std::size_t at = out.size();
            out.resize(at + rows * V);
            check(cudaMemcpyAsync(out.data() + at, m.logits.as(), rows * V * 4, cudaMemcpyDeviceToHost, m.stream), "reading logits");
        }
        check(cudaStreamSynchronize(m.stream), "running prefill");
    }
    return out;
}

std::int32_t CudaModel::step(const std::vector<std::int32_t>& tokens, std::int64_t startPos, const StepSampling& sampling,
                             const std::atomic<bool>* cancel)
{
    Impl& m = *m_impl;
    checkTokens(tokens, startPos, m.vocab, m.capacity);
    if (tokens.empty())
        throwInternalError("CudaModel::step: no tokens");
    kernels::SamplingSettings& st = m.pinnedIn->sampling;
    const SamplingParams& sp = sampling.params;
    st.temperature = sp.temperature;
    st.top_k = sp.topK;
    st.top_p = sp.topP;
    st.min_p = sp.minP;
    st.repetition_penalty = sp.repetitionPenalty;
    st.presence_penalty = sp.presencePenalty;
    st.frequency_penalty = sp.frequencyPenalty;
    st.seed = sp.seed;
    st.draw = sampling.draw;
    st.n_recent = static_cast<int>(std::min<std::size_t>(sampling.recent.size(), kernels::kSamplingWindow));
    std::copy_n(sampling.recent.end() - st.n_recent, st.n_recent, st.recent);
    const std::int64_t last = startPos + static_cast<std::int64_t>(tokens.size()) - 1;
    if (tokens.size() == 1) {
        m.pinnedIn->token = tokens[0];
        m.pinnedIn->position = static_cast<std::int32_t>(startPos);
        m.runDecode();
    } else {
        for (std::size_t i = 0; i < tokens.size(); i += static_cast<std::size_t>(m.chunk)) {
            if (cancel && cancel->load(std::memory_order_relaxed))
                throw Error(ErrorKind::Cancelled, "the request was cancelled");
            const int n = static_cast<int>(std::min<std::size_t>(m.chunk, tokens.size() - i));
            m.enqueuePrefill(tokens.data() + i, n, startPos + static_cast<std::int64_t>(i), true);
            if (i + n < tokens.size())
                check(cudaStreamSynchronize(m.stream), "running prefill");
        }
        check(cudaMemcpyAsync(m.stepIn.as(), m.pinnedIn, sizeof(Impl::StepInputs), cudaMemcpyHostToDevice, m.stream),
              "setting the sampler");
        m.enqueueSampling(m.logits.as<float>());
    }
    check(cudaMemcpyAsync(m.pinnedOut, m.sampled.as(), 4, cudaMemcpyDeviceToHost, m.stream), "reading the sampled token");
    check(cudaStreamSynchronize(m.stream), "running a decode step");
    if (m.pinnedOut[0] < 0)
        throwNonFiniteLogits(last);
    return m.pinnedOut[0];
}

}  // namespace fathom::inference::cuda
