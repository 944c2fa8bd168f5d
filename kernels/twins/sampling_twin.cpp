// CPU twin of GPU sampling (see sampling_twin.h).
#include "kernels/twins/sampling_twin.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <vector>

#include "kernels/philox.h"

namespace fathom::kernels::twins {
namespace {

std::uint32_t keyOf(float v)
{
    std::uint32_t b;
    std::memcpy(&b, &v, 4);
    return orderKey(b);
}

struct Kept {
    std::uint32_t thr = 0;
    std::vector<std::uint64_t> q;  // fixed-point weight per token (before the threshold)
    std::uint64_t z = 0;           // kept mass
};

int argmaxLowest(const float* l, int V)
{
    int bi = 0;
    for (int i = 1; i < V; ++i)
        if (l[i] > l[bi]) bi = i;
    return bi;
}

Kept keep(const float* l, int V, const SamplingTwinConfig& c)
{
    Kept k;
    const float m = l[argmaxLowest(l, V)];
    const float inv_t = 1.0f / c.temperature;
    k.q.resize(V);
    for (int i = 0; i < V; ++i) k.q[i] = sampleWeightFixed(std::exp((l[i] - m) * inv_t));
    std::vector<std::uint32_t> keys(V);
    for (int i = 0; i < V; ++i) keys[i] = keyOf(l[i]);
    if (c.top_k > 0 && c.top_k < V) {
        std::vector<std::uint32_t> sorted = keys;
        std::sort(sorted.begin(), sorted.end(), std::greater<std::uint32_t>());
        k.thr = sorted[c.top_k - 1];  // ties with the k-th token stay in
    }
    auto mass = [&](std::uint32_t thr) {
        std::uint64_t z = 0;
        for (int i = 0; i < V; ++i)
            if (keys[i] >= thr) z += k.q[i];
        return z;
    };
    k.z = mass(k.thr);
    if (c.top_p < 1.f) {
        std::uint64_t target = static_cast<std::uint64_t>(static_cast<double>(c.top_p) * static_cast<double>(k.z));
        if (target == 0) target = 1;
        std::vector<int> order;
        for (int i = 0; i < V; ++i)
            if (keys[i] >= k.thr) order.push_back(i);
        std::sort(order.begin(), order.end(), [&](int a, int b) { return keys[a] > keys[b]; });
        std::uint64_t cum = 0;
        for (size_t j = 0; j < order.size();) {
            const std::uint32_t key = keys[order[j]];
            for (; j < order.size() && keys[order[j]] == key; ++j) cum += k.q[order[j]];  // a key's ties go together
            if (cum >= target) { k.thr = std::max(k.thr, key); break; }
        }
        k.z = mass(k.thr);
    }
    for (int i = 0; i < V; ++i)
        if (keys[i] < k.thr) k.q[i] = 0;
    return k;
}

}  // namespace

int samplingTwin(const float* l, int V, const SamplingTwinConfig& c, int row, int trace_id, SamplingTwinTrace* trace)
{
    if (c.temperature <= 0.f || c.top_k == 1) return argmaxLowest(l, V);
    const Kept k = keep(l, V, c);
    const std::uint32_t u = philox32(c.seed, c.step, static_cast<std::uint32_t>(row));
    // r = floor(z * u / 2^32), exactly as the kernel's __umul64hi(z, u << 32).
    const std::uint64_t r = (k.z >> 32) * u + (((k.z & 0xffffffffull) * u) >> 32);
    int pick = -1;
    std::uint64_t cum = 0;
    for (int i = 0; i < V; ++i) {
        const std::uint64_t before = cum;
        cum += k.q[i];
        if (trace && i == trace_id && k.q[i] > 0) {
            trace->lo = static_cast<double>(before) / static_cast<double>(k.z);
            trace->hi = static_cast<double>(cum) / static_cast<double>(k.z);
        }
        if (pick < 0 && cum > r) pick = i;
    }
    if (trace) trace->u = static_cast<double>(r) / static_cast<double>(k.z);
    return pick;
}

void samplingTwinProbs(const float* l, int V, const SamplingTwinConfig& c, double* probs)
{
    if (c.temperature <= 0.f || c.top_k == 1) {
        for (int i = 0; i < V; ++i) probs[i] = 0.0;
        probs[argmaxLowest(l, V)] = 1.0;
        return;
    }
    const Kept k = keep(l, V, c);
    for (int i = 0; i < V; ++i) probs[i] = static_cast<double>(k.q[i]) / static_cast<double>(k.z);
}

}  // namespace fathom::kernels::twins
