// WeightStore::synthetic: random weights with the exact names and shapes of a config, for benches and
// tests that need a model's shape but not its knowledge. Deterministic in the seed and independent
// of the thread count (each element's value is a hash of its tensor and index).
#include "inference/model/weight_store_impl.h"

#include "base/error.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <new>
#include <thread>

namespace fathom::inference {

namespace {

std::uint64_t mix64(std::uint64_t z)  // splitmix64's finaliser
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

std::uint64_t hashName(const std::string& s)  // FNV-1a
{
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char ch : s)
        h = (h ^ ch) * 0x100000001b3ull;
    return h;
}

// Sum of four 16-bit uniforms (Irwin-Hall, n=4), rescaled to mean 0 and variance 1: close enough to
// a Gaussian for weights, and one hash per element.
float unitNormalish(std::uint64_t r)
{
    const float s = static_cast<float>((r & 0xffff) + ((r >> 16) & 0xffff) + ((r >> 32) & 0xffff) + (r >> 48));
    return (s * (1.0f / 65536.0f) - 2.0f) * 1.7320508f;
}

// How one tensor's values are drawn: value = mean + stddev × unitNormalish.
struct Fill {
    TensorView* view;
    std::uint64_t key;
    float mean, stddev;
};

Fill fillFor(TensorView& t, std::uint64_t seed)
{
    const std::string& n = t.name;
    auto endsWith = [&](const char* s) {
        const std::string suf(s);
        return n.size() >= suf.size() && n.compare(n.size() - suf.size(), suf.size(), suf) == 0;
    };
    Fill f{&t, mix64(seed ^ hashName(n)), 0.0f, 1.0f};
    if (endsWith("norm.weight")) {
        f.mean = 1.0f;  // RMSNorm gains start near 1
        f.stddev = 0.05f;
    } else if (endsWith("e_score_correction_bias")) {
        f.stddev = 0.01f;
    } else {
        f.stddev = 1.0f / std::sqrt(static_cast<float>(t.cols()));  // [out, in]: fan_in is the row length
    }
    return f;
}

void fillAll(const std::vector<Fill>& fills)
{
    constexpr std::int64_t kChunk = 1 << 16;
    struct Job {
        const Fill* fill;
        std::int64_t first, count;
    };
    std::vector<Job> jobs;
    for (const Fill& f : fills)
        for (std::int64_t i = 0, n = f.view->numel(); i < n; i += kChunk)
            jobs.push_back({&f, i, std::min(kChunk, n - i)});
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
        std::vector<float> tmp(kChunk);
        for (std::size_t j; (j = next.fetch_add(1)) < jobs.size();) {
            const Job& job = jobs[j];
            const Fill& f = *job.fill;
            for (std::int64_t i = 0; i < job.count; ++i) {
                const auto idx = static_cast<std::uint64_t>(job.first + i);
                tmp[i] = f.mean + f.stddev * unitNormalish(mix64(f.key + idx * 0x9e3779b97f4a7c15ull));
            }
            const std::size_t esz = dtypeSize(f.view->dtype);
            fromFloat(f.view->dtype, tmp.data(), job.count,
                      const_cast<std::byte*>(f.view->data) + static_cast<std::size_t>(job.first) * esz);
        }
    };
    const unsigned n = std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(), 64));
    std::vector<std::thread> threads;
    for (unsigned t = 1; t < n && t < jobs.size(); ++t)
        threads.emplace_back(worker);
    worker();
    for (auto& t : threads)
        t.join();
}

// "model.layers.7.mlp..." -> 7; -1 for tensors outside the layers.
std::int64_t layerOf(const std::string& name)
{
    static const std::string prefix = "model.layers.";
    if (name.rfind(prefix, 0) != 0)
        return -1;
    return std::stoll(name.substr(prefix.size()));
}

}  // namespace

WeightStore WeightStore::synthetic(const ModelConfig& config, DType dtype, std::uint64_t seed, bool shareLayers)
{
    // With shareLayers each layer maps to the first layer of its kind (dense or MoE).
    std::int64_t firstDense = -1, firstMoe = -1;
    for (std::int64_t i = 0; i < config.numLayers; ++i) {
        std::int64_t& first = config.isMoeLayer(i) ? firstMoe : firstDense;
        if (first < 0)
            first = i;
    }
    auto sourceLayer = [&](std::int64_t layer) {
        return !shareLayers || layer < 0 ? layer : config.isMoeLayer(layer) ? firstMoe : firstDense;
    };

    WeightStore store;
    Impl& impl = *store.m_impl;
    const std::vector<TensorSpec> specs = expectedTensors(config);
    std::size_t total = 0;
    for (const TensorSpec& s : specs) {
        const std::int64_t layer = layerOf(s.name);
        if (sourceLayer(layer) != layer)
            continue;
        TensorView t{s.name, dtype, s.shape, nullptr, 0, "synthetic"};
        t.nbytes = static_cast<std::size_t>(t.numel()) * dtypeSize(dtype);
        total += t.nbytes;
        impl.tensors.emplace(s.name, std::move(t));
    }
    std::vector<Fill> fills;
    try {
        for (auto& [name, t] : impl.tensors) {
            impl.buffers.push_back(std::make_unique_for_overwrite<std::byte[]>(t.nbytes));
            t.data = impl.buffers.back().get();
            fills.push_back(fillFor(t, seed));
        }
    } catch (const std::bad_alloc&) {
        throw Error(ErrorKind::Resource, "synthetic weights need " + std::to_string(total >> 20) +
                                             " MiB of host memory, which could not be allocated");
    }
    fillAll(fills);

    // Aliased layers: same bytes, own names ("model.layers.5.x" views layer 1's "x").
    for (const TensorSpec& s : specs) {
        const std::int64_t layer = layerOf(s.name);
        const std::int64_t src = sourceLayer(layer);
        if (src == layer)
            continue;
        const std::string from = "model.layers." + std::to_string(src) +
                                 s.name.substr(std::string("model.layers.").size() + std::to_string(layer).size());
        TensorView t = impl.tensors.at(from);
        t.name = s.name;
        impl.tensors.emplace(s.name, std::move(t));
    }
    return store;
}

}  // namespace fathom::inference
