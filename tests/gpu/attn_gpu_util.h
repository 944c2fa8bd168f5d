// Helpers for the GPU op tests and benches: device buffers, bf16 rounding, fresh random inputs,
// NaN poisoning, and the relative-L2 comparison (CONTRIBUTING.md, 'Style' 2). Shared by every row.
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace fathom::attntest {

inline void check(cudaError_t e, const char* what)
{
    if (e != cudaSuccess)
        throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(e));
}

// Empty string when a CUDA device is usable, else the reason (printed by GTEST_SKIP).
inline std::string noDeviceReason()
{
    int n = 0;
    const cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess)
        return std::string("no usable CUDA driver/device: ") + cudaGetErrorString(e);
    if (n == 0)
        return "no CUDA device";
    return {};
}

// A device allocation, poisoned (all bits set: NaN in fp32 and bf16) so unwritten elements show.
class DevBuf {
public:
    explicit DevBuf(std::size_t bytes = 0) { resize(bytes); }
    ~DevBuf() { cudaFree(m_p); }
    DevBuf(const DevBuf&) = delete;
    DevBuf& operator=(const DevBuf&) = delete;
    void resize(std::size_t bytes)
    {
        cudaFree(m_p);
        m_p = nullptr;
        m_bytes = bytes;
        if (bytes) {
            check(cudaMalloc(&m_p, bytes), "cudaMalloc");
            poison();
        }
    }
    void poison() { check(cudaMemset(m_p, 0xff, m_bytes), "cudaMemset"); }
    template <typename T> T* as() const { return static_cast<T*>(m_p); }
    void* get() const { return m_p; }
    std::size_t bytes() const { return m_bytes; }

private:
    void* m_p = nullptr;
    std::size_t m_bytes = 0;
};

inline std::uint16_t toBf16Bits(float f)
{
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u)
        return 0x7fc0;
    u += 0x7fffu + ((u >> 16) & 1u);  // round to nearest even
    return static_cast<std::uint16_t>(u >> 16);
}
inline float fromBf16Bits(std::uint16_t b)
{
    const std::uint32_t u = static_cast<std::uint32_t>(b) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

// Fresh inputs every run: seeded from the clock, the seed printed on failure by the caller.
class Rng {
public:
    explicit Rng(std::uint64_t seed) : m_s(seed ? seed : 0x9e3779b97f4a7c15ull) {}
    std::uint64_t next()
    {
        m_s ^= m_s << 13;
        m_s ^= m_s >> 7;
        m_s ^= m_s << 17;
        return m_s;
    }
    float uniform(float lo, float hi) { return lo + (hi - lo) * static_cast<float>(next() >> 40) * (1.f / 16777216.f); }
    int below(int n) { return static_cast<int>(next() % static_cast<std::uint64_t>(n)); }
    // Values already rounded to bf16, so twin and kernel read the same numbers.
    std::vector<float> bf16Values(std::size_t n, float lo, float hi)
    {
        std::vector<float> v(n);
        for (auto& x : v)
            x = fromBf16Bits(toBf16Bits(uniform(lo, hi)));
        return v;
    }
    std::vector<float> floats(std::size_t n, float lo, float hi)
    {
        std::vector<float> v(n);
        for (auto& x : v)
            x = uniform(lo, hi);
        return v;
    }

private:
    std::uint64_t m_s;
};

inline void upload(DevBuf& d, const std::vector<float>& v)
{
    d.resize(v.size() * 4);
    check(cudaMemcpy(d.get(), v.data(), v.size() * 4, cudaMemcpyHostToDevice), "upload");
}
inline void uploadBf16(DevBuf& d, const std::vector<float>& v)
{
    std::vector<std::uint16_t> b(v.size());
    for (std::size_t i = 0; i < v.size(); ++i)
        b[i] = toBf16Bits(v[i]);
    d.resize(b.size() * 2);
    check(cudaMemcpy(d.get(), b.data(), b.size() * 2, cudaMemcpyHostToDevice), "upload bf16");
}
template <typename T>
inline void uploadRaw(DevBuf& d, const std::vector<T>& v)
{
    d.resize(v.size() * sizeof(T));
    check(cudaMemcpy(d.get(), v.data(), v.size() * sizeof(T), cudaMemcpyHostToDevice), "upload");
}
inline std::vector<float> download(const DevBuf& d, std::size_t n, std::size_t offsetElems = 0)
{
    std::vector<float> v(n);
    check(cudaMemcpy(v.data(), d.as<float>() + offsetElems, n * 4, cudaMemcpyDeviceToHost), "download");
    return v;
}
inline std::vector<float> downloadBf16(const DevBuf& d, std::size_t n, std::size_t offsetElems = 0)
{
    std::vector<std::uint16_t> b(n);
    check(cudaMemcpy(b.data(), d.as<std::uint16_t>() + offsetElems, n * 2, cudaMemcpyDeviceToHost), "download bf16");
    std::vector<float> v(n);
    for (std::size_t i = 0; i < n; ++i)
        v[i] = fromBf16Bits(b[i]);
    return v;
}

struct Comparison {
    double relL2 = 0;
    std::size_t badElements = 0;  // NaN/Inf in the kernel output where the twin is finite, or vice versa
    std::size_t firstBad = 0;
};

// ||kernel - twin|| / ||twin||; a NaN where the twin has a number (or the reverse) is counted as bad.
inline Comparison compare(const std::vector<float>& kernel, const std::vector<float>& twin)
{
    Comparison c;
    double num = 0, den = 0;
    for (std::size_t i = 0; i < twin.size() && i < kernel.size(); ++i) {
        const bool tf = std::isfinite(twin[i]), kf = std::isfinite(kernel[i]);
        if (tf != kf) {
            if (!c.badElements)
                c.firstBad = i;
            ++c.badElements;
            continue;
        }
        if (!tf)
            continue;
        const double d = static_cast<double>(kernel[i]) - twin[i];
        num += d * d;
        den += static_cast<double>(twin[i]) * twin[i];
    }
    if (kernel.size() != twin.size())
        c.badElements += kernel.size() > twin.size() ? kernel.size() - twin.size() : twin.size() - kernel.size();
    c.relL2 = den > 0 ? std::sqrt(num / den) : std::sqrt(num);
    return c;
}

}  // namespace fathom::attntest
