// The GPU memory plan: every buffer CudaModel needs, sized from the shapes and the context before
// anything is allocated, and the check against the memory the GPU has free (or the user's
// --gpu-memory-limit), so a model that does not fit is refused with one actionable line instead of
// failing halfway with an out-of-memory error.
#include "inference/cuda/cuda_model_impl.h"

#include "kernels/mla_decode.cuh"
#include "kernels/mla_prefill.cuh"
#include "kernels/qmoe_prefill.cuh"
#include "kernels/sampling.cuh"

#include <algorithm>
#include <cstdio>

namespace fathom::inference::cuda {

namespace {

// Room the plan leaves for what is allocated outside it: the CUDA context itself when a limit
// emulates a smaller card, cuBLAS's workspace and the decode graph otherwise.
constexpr std::size_t kContextReserve = 512ull << 20;
constexpr std::size_t kRuntimeReserve = 256ull << 20;

std::string gib(std::size_t bytes)
{
    char b[32];
    std::snprintf(b, sizeof b, "%.1f GiB", static_cast<double>(bytes) / (1ull << 30));
    return b;
}

}  // namespace

std::vector<CudaModel::Impl::BufferRequest> CudaModel::Impl::planBuffers(std::int64_t contextTokens,
                                                                          const std::vector<CudaLayerWeights>& layers)
{
    const ModelConfig& c = config;
    pages = static_cast<int>((std::max<std::int64_t>(contextTokens, 1) + 63) / 64);
    capacity = pages * 64;
    chunk = std::max(1, std::min(options.prefillChunk, capacity));
    splits = fastMla ? kernels::mlaDecodeSplits(capacity) : 1;

    std::vector<BufferRequest> r;
    const std::function<void(DeviceBuffer&, std::size_t, const char*)> want = [&r](DeviceBuffer& b, std::size_t bytes, const char* what) {
        r.push_back({&b, bytes, what});
    };
    const std::size_t n = static_cast<std::size_t>(chunk);
    const std::size_t layerCount = static_cast<std::size_t>(c.numLayers);
    const int topK = static_cast<int>(c.numExpertsPerTok);

    // Experts: the largest slot count and assignment x intermediate product over the layers (bf16
    // layout), or the routed + shared rows of the packed layout.
    std::size_t maxAssignInter = 0, maxAssign = 0, decodeWs = 0;
    maxSlots = 0;
    for (const CudaLayerWeights& L : layers) {
        // Packed layers have one shared MLP of sharedInter rows instead of shared slots of `inter`.
        const int shared = packed ? (L.sharedInter > 0 ? 1 : 0) : L.nSharedSlots;
        const int S = (L.moe ? topK : 0) + shared;
        maxSlots = std::max(maxSlots, L.nRouted + shared);
        maxAssign = std::max<std::size_t>(maxAssign, n * S);
        maxAssignInter = std::max<std::size_t>(
            maxAssignInter, packed ? kernels::qmoePrefillHElements(chunk, L.moe ? topK : 0, L.routedInter, shared, L.sharedInter)
                                   : n * S * L.inter);
        decodeWs = std::max<std::size_t>(decodeWs, static_cast<std::size_t>(maxTopK + L.nSharedSlots) * L.inter * 4);
        decodeWs = std::max<std::size_t>(decodeWs, (static_cast<std::size_t>(maxTopK) * L.routedInter + L.sharedInter) * 4);
    }

    want(cache, layerCount * pages * 64 * kvWidth * 2, "the KV cache");
    want(blockTable, static_cast<std::size_t>(pages) * 4, "the block table");
    want(ropeCos, static_cast<std::size_t>(capacity) * (rope / 2) * 4, "rope tables");
    want(ropeSin, static_cast<std::size_t>(capacity) * (rope / 2) * 4, "rope tables");
    want(stepIn, sizeof(StepInputs), "decode inputs");
    want(sampled, 16, "sampler output");
    want(samplingScratch, kernels::samplingScratchBytes(), "sampler workspace");
    want(ids, n * 4, "prefill inputs");
    want(positions, n * 4, "prefill inputs");
    want(h, n * H * 4, "activations");
    want(x, static_cast<std::size_t>(H) * 4, "activations");
    if (packed && int8)
        want(xQ8, static_cast<std::size_t>(std::max(H, NH * vdim)) / 32 * 40 + 64, "activations");
    want(xb, n * H * 2, "activations");
    want(xf, n * H * 4, "activations");
    want(qkv, n * qkvRows * 4, "activations");
    want(qAbs, static_cast<std::size_t>(NH) * rank * 2, "activations");
    if (!fastMla)
        want(qAbs32, static_cast<std::size_t>(NH) * rank * 4, "activations");
    if (qLora > 0) {
        want(qNorm, n * qLora * 4, "activations");  // fp32 row 0 for decode, bf16 rows for prefill
        want(qFull, n * NH * qDim * 4, "activations");
    }
    want(partO, static_cast<std::size_t>(splits) * NH * rank * 4, "attention workspace");
    want(partML, static_cast<std::size_t>(splits) * NH * 2 * 4, "attention workspace");
    want(oLat, static_cast<std::size_t>(NH) * rank * 4, "activations");
    want(oHeads, static_cast<std::size_t>(NH) * vdim * 4, "activations");
    want(qb, n * NH * qDim * 2, "activations");
    want(attn, n * NH * vdim * 2, "activations");
    // Prefill attention: the gathered latent and decompressed K/V for the whole context plus
    // 256 MiB for score tiles (queries are processed in as many chunks as that needs).
    want(prefillWs, kernels::mlaPrefillWorkspaceBytes(capacity, 1, NH, rank, rope, nope, vdim) + (256ull << 20),
         "the prefill attention workspace");
    want(logits, n * vocab * 4, "logits");
    want(routerLogits, n * maxExperts * 4, "router workspace");
    want(routeCounters, n * 4, "router workspace");
    want(topkIds, n * maxTopK * 4, "router workspace");
    want(topkW, n * maxTopK * 4, "router workspace");
    want(expertWs, decodeWs, "expert workspace");
    want(expertSync, 16, "expert workspace");
    want(sortedToken, maxAssign * 4, "expert workspace");
    want(slotPos, maxAssign * 4, "expert workspace");
    want(expertOffsets, static_cast<std::size_t>(maxSlots + 1) * 4, "expert workspace");
    want(tileOffsets, static_cast<std::size_t>(maxSlots + 1) * 4, "expert workspace");
    want(moeH, maxAssignInter * 2, "expert workspace");
    want(moeY, maxAssign * H * 2, "expert workspace");
    planPackedBuffers(layers, want);
    return r;
}

void CudaModel::Impl::checkMemory(std::size_t weightBytes, const std::vector<CudaLayerWeights>& layers)
{
    auto total = [](const std::vector<BufferRequest>& r) {
        std::size_t s = 0;
        for (const BufferRequest& b : r)
            s += (b.bytes + 255) & ~std::size_t(255);
        return s;
    };
    requests = planBuffers(options.contextLength, layers);
    const std::size_t buffers = total(requests);
    const std::size_t cacheBytes = cache.bytes() ? cache.bytes() : requests.front().bytes;  // the KV cache is first
    std::size_t freeB = 0, totalB = 0;
    check(cudaMemGetInfo(&freeB, &totalB), "reading the GPU's free memory");
    std::size_t available = freeB > kRuntimeReserve ? freeB - kRuntimeReserve : 0;
    const bool limited = options.memoryLimitBytes > 0;
    if (limited)
        available = std::min(available, options.memoryLimitBytes > kContextReserve ? options.memoryLimitBytes - kContextReserve : 0);
    plannedBytes = weightBytes + buffers;
    if (plannedBytes <= available)
        return;

    // The longest context that fits (in steps of 1,024 tokens), for the message.
    // Bytes grow with the context, so a binary search over multiples of 1,024 finds it.
    std::int64_t lo = 0, hi = options.contextLength / 1024;  // lo fits (0 = nothing does), hi + 1 does not
    while (lo < hi) {
        const std::int64_t mid = (lo + hi + 1) / 2;
        if (weightBytes + total(planBuffers(mid * 1024, layers)) <= available)
            lo = mid;
        else
            hi = mid - 1;
    }
    const std::int64_t fits = std::min(lo * 1024, options.contextLength - 1);
    planBuffers(options.contextLength, layers);  // restore the requested shapes
    std::string advice;
    if (fits > 0)
        advice = ": use a context of at most " + std::to_string(fits) + " tokens";
    else
        advice = packed ? ": the weights alone do not fit; pick a smaller quantization"
                                              : ": the weights alone do not fit; pick a quantized model (Q4_K_M or Q8_0)";
    if (fits > 0)
        advice += ", or a smaller quantization";
    throw Error(ErrorKind::Resource,
                "the model needs " + gib(plannedBytes) + " of GPU memory (weights " + gib(weightBytes) + ", KV cache for " +
                    std::to_string(capacity) + " tokens " + gib(cacheBytes) + ", work buffers " + gib(buffers - cacheBytes) +
                    ") but " + gib(available) + (limited ? " are allowed (--gpu-memory-limit " + gib(options.memoryLimitBytes) + ")"
                                                         : " are free") +
                    advice);
}

void CudaModel::Impl::allocateBuffers()
{
    for (const BufferRequest& b : requests)
        b.buffer->allocate(b.bytes, std::string(b.what) + " (" + std::to_string(capacity) + "-token context)");
}

}  // namespace fathom::inference::cuda
