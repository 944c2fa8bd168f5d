// The fp32 -> GGUF block quantizers (quantize.h). Scales are rounded to f16 first and the levels
// computed from the rounded scale, so dequantization reproduces exactly the values chosen here.
#include "inference/model/quantize.h"

#include "inference/model/quant_k_scales.h"

#include "base/error.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <exception>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace fathom::inference {

namespace {

std::uint16_t toHalf(float v)
{
    std::uint16_t h;
    fromFloat(DType::F16, &v, 1, reinterpret_cast<std::byte*>(&h));
    return h;
}

// f16 d stored at p, and the fp32 value it decodes to.
float putHalf(std::byte* p, float v)
{
    const std::uint16_t h = toHalf(v);
    std::memcpy(p, &h, 2);
    return halfToFloat(h);
}

}  // namespace

void quantizeQ8_0(const float* x, std::int64_t n, std::byte* out)
{
    for (std::int64_t b = 0; b < n / kQk; ++b, x += kQk, out += kQ8_0Bytes) {
        float amax = 0.f;
        for (int i = 0; i < kQk; ++i)
            amax = std::max(amax, std::fabs(x[i]));
        const float d = putHalf(out, amax / 127.f);
        const float id = d != 0.f ? 1.f / d : 0.f;
        auto* q = reinterpret_cast<std::int8_t*>(out + 2);
        for (int i = 0; i < kQk; ++i)
            q[i] = static_cast<std::int8_t>(std::clamp(std::lround(x[i] * id), -127l, 127l));
    }
}

void quantizeQ5_0(const float* x, std::int64_t n, std::byte* out)
{
    for (std::int64_t b = 0; b < n / kQk; ++b, x += kQk, out += kQ5_0Bytes) {
        float max = 0.f;  // the value of largest magnitude, with its sign: it maps to level 0 exactly
        for (int i = 0; i < kQk; ++i)
            if (std::fabs(x[i]) > std::fabs(max))
                max = x[i];
        const float d = putHalf(out, max / -16.f);
        const float id = d != 0.f ? 1.f / d : 0.f;
        std::uint32_t qh = 0;
        auto* qs = reinterpret_cast<std::uint8_t*>(out + 6);
        for (int i = 0; i < kQk / 2; ++i) {
            const int lo = static_cast<int>(std::clamp(std::lround(x[i] * id) + 16, 0l, 31l));
            const int hi = static_cast<int>(std::clamp(std::lround(x[i + 16] * id) + 16, 0l, 31l));
            qs[i] = static_cast<std::uint8_t>((lo & 0x0f) | ((hi & 0x0f) << 4));
            qh |= static_cast<std::uint32_t>(lo >> 4) << i;
            qh |= static_cast<std::uint32_t>(hi >> 4) << (i + 16);
        }
        std::memcpy(out + 2, &qh, 4);
    }
}

void quantizeQ4_K(const float* x, std::int64_t n, std::byte* out)
{
    for (std::int64_t b = 0; b < n / kQkK; ++b, x += kQkK, out += kQ4_KBytes) {
        // Each sub-block of 32 spans [-min, -min + 15 * scale]; mins are kept at or below zero.
        float scale[8], min[8], maxScale = 0.f, maxMin = 0.f;
        for (int s = 0; s < 8; ++s) {
            float lo = 0.f, hi = -INFINITY;
            for (int l = 0; l < 32; ++l) {
                lo = std::min(lo, x[32 * s + l]);
                hi = std::max(hi, x[32 * s + l]);
            }
            scale[s] = (hi - lo) / 15.f;
            min[s] = -lo;
            maxScale = std::max(maxScale, scale[s]);
            maxMin = std::max(maxMin, min[s]);
        }
        const float d = putHalf(out, maxScale / 63.f);
        const float dmin = putHalf(out + 2, maxMin / 63.f);
        std::uint8_t sc[8], mn[8];
        for (int s = 0; s < 8; ++s) {
            // The scale rounds up so the sub-block's range still fits 15 levels.
            sc[s] = static_cast<std::uint8_t>(d > 0 ? std::min(63.f, std::ceil(scale[s] / d)) : 0);
            mn[s] = static_cast<std::uint8_t>(dmin > 0 ? std::min(63l, std::lround(min[s] / dmin)) : 0);
        }
        auto* packed = reinterpret_cast<std::uint8_t*>(out + 4);  // the inverse of kScaleMin
        for (int j = 0; j < 4; ++j) {
            packed[j] = static_cast<std::uint8_t>((sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
            packed[j + 4] = static_cast<std::uint8_t>((mn[j] & 63) | ((mn[j + 4] >> 4) << 6));
            packed[j + 8] = static_cast<std::uint8_t>((sc[j + 4] & 0x0f) | ((mn[j + 4] & 0x0f) << 4));
        }
        auto* qs = reinterpret_cast<std::uint8_t*>(out + 16);
        std::memset(qs, 0, 128);
        for (int s = 0; s < 8; ++s) {
            const KScaleMin sm = kScaleMin(packed, s);
            const float dl = d * static_cast<float>(sm.scale), ml = dmin * static_cast<float>(sm.min);
            const float idl = dl != 0.f ? 1.f / dl : 0.f;
            for (int l = 0; l < 32; ++l) {
                const int q = static_cast<int>(std::clamp(std::lround((x[32 * s + l] + ml) * idl), 0l, 15l));
                qs[32 * (s / 2) + l] |= static_cast<std::uint8_t>(q << ((s % 2) * 4));
            }
        }
    }
}

WeightFormat parseWeightFormat(const std::string& text)
{
    if (text == "bf16" || text == "as-stored")
        return WeightFormat::AsStored;
    if (text == "q8")
        return WeightFormat::Q8;
    if (text == "q4")
        return WeightFormat::Q4;
    throwUserError("--weights must be bf16 (as stored), q8 or q4, got '" + text + "'");
}

const char* weightFormatName(WeightFormat f)
{
    switch (f) {
    case WeightFormat::AsStored:
        return "as stored";
    case WeightFormat::Q8:
        return "q8 (Q8_0)";
    case WeightFormat::Q4:
        return "q4 (Q4_K, Q5_0)";
    }
    return "?";
}

}  // namespace fathom::inference

namespace fathom::inference {

namespace {

bool endsWith(const std::string& s, const std::string& tail)
{
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// The type a tensor becomes, or its own when it stays (see quantizeWeights).
DType targetType(const TensorView& t, WeightFormat f)
{
    const std::string& n = t.name;
    const std::int64_t cols = t.shape.empty() ? 0 : t.shape.back();
    if (f == WeightFormat::AsStored || t.shape.size() != 2 || isQuantized(t.dtype) || !endsWith(n, ".weight") ||
        n.find("norm") != std::string::npos || endsWith(n, "mlp.gate.weight") || n.find("_b_proj") != std::string::npos ||
        cols % kQk != 0)
        return t.dtype;
    const bool outer = n == "lm_head.weight" || n == "model.embed_tokens.weight";
    if (f == WeightFormat::Q8 || outer)
        return DType::Q8_0;
    return cols % kQkK == 0 ? DType::Q4_K : DType::Q5_0;
}

void quantizeRows(DType to, const float* x, std::int64_t n, std::byte* out)
{
    switch (to) {
    case DType::Q8_0:
        return quantizeQ8_0(x, n, out);
    case DType::Q5_0:
        return quantizeQ5_0(x, n, out);
    case DType::Q4_K:
        return quantizeQ4_K(x, n, out);
    default:
        throwInternalError(std::string("no quantizer for ") + dtypeName(to));
    }
}

}  // namespace

std::string weightsSummary(const WeightStore& weights)
{
    std::map<DType, std::size_t> bytes;
    std::size_t total = 0;
    for (const std::string& name : weights.names()) {
        const TensorView& t = weights.get(name);
        if (t.shape.size() < 2)
            continue;
        bytes[t.dtype] += t.nbytes;
        total += t.nbytes;
    }
    if (bytes.empty())
        return "";
    const auto top = std::max_element(bytes.begin(), bytes.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
    return std::string(dtypeName(top->first)) + (top->second * 10 < total * 9 ? " mixed" : "");
}

WeightStore quantizeWeights(WeightStore source, WeightFormat format, int threads)
{
    if (format == WeightFormat::AsStored)
        return source;
    struct Job {
        const TensorView* t;
        DType to;
        std::byte* out;
        std::int64_t row0, rows;
    };
    struct Converted {
        std::string name;
        DType to;
        std::unique_ptr<std::byte[]> data;
        std::size_t bytes;
    };
    std::vector<Converted> converted;
    std::vector<Job> jobs;
    for (const std::string& name : source.names()) {
        const TensorView& t = source.get(name);
        const DType to = targetType(t, format);
        if (to == t.dtype)
            continue;
        const std::int64_t rows = t.shape[0], cols = t.shape[1];
        const std::size_t rb = rowBytes(to, cols);
        Converted c{name, to, std::make_unique<std::byte[]>(rb * static_cast<std::size_t>(rows)), rb * static_cast<std::size_t>(rows)};
        const std::int64_t step = std::max<std::int64_t>(1, (1 << 20) / cols);  // ~1M values a job
        for (std::int64_t r = 0; r < rows; r += step)
            jobs.push_back({&t, to, c.data.get() + rb * static_cast<std::size_t>(r), r, std::min(step, rows - r)});
        converted.push_back(std::move(c));
    }
    const unsigned n = threads > 0 ? static_cast<unsigned>(threads) : std::max(1u, std::thread::hardware_concurrency());
    std::atomic<std::size_t> next{0};
    std::exception_ptr error;
    std::mutex errorMutex;
    auto work = [&] {
        std::vector<float> row;
        for (std::size_t i; (i = next.fetch_add(1)) < jobs.size();) {
            const Job& j = jobs[i];
            const std::int64_t cols = j.t->shape[1];
            row.resize(static_cast<std::size_t>(j.rows * cols));
            try {
                toFloat(*j.t, j.row0 * cols, j.rows * cols, row.data());
                quantizeRows(j.to, row.data(), j.rows * cols, j.out);
            } catch (...) {
                std::lock_guard lock(errorMutex);
                if (!error)
                    error = std::current_exception();
                next = jobs.size();
            }
        }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < std::min<std::size_t>(n, jobs.size()); ++t)
        pool.emplace_back(work);
    work();
    for (std::thread& t : pool)
        t.join();
    if (error)
        std::rethrow_exception(error);
    for (Converted& c : converted)
        source.adopt(c.name, c.to, std::move(c.data), c.bytes);
    return source;
}

}  // namespace fathom::inference
