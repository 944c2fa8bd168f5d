// Helpers for the MoE/sampling rows of the GPU op table: device buffers, bf16 rounding, random
// inputs (fresh each call), NaN poisoning and the relative L2 error. Header-only, tests only.
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

namespace fathom::gputest {

inline void cudaOk(cudaError_t e, const char* what)
{
    if (e != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(e));
}

// Owns `n` elements of T on the device.
template <typename T>
class DeviceBuffer {
public:
    explicit DeviceBuffer(size_t n) : m_n(n)
    {
        cudaOk(cudaMalloc(&m_p, std::max<size_t>(n, 1) * sizeof(T)), "cudaMalloc");
    }
    ~DeviceBuffer() { cudaFree(m_p); }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    T* get() const { return m_p; }
    size_t size() const { return m_n; }
    void upload(const std::vector<T>& v) { cudaOk(cudaMemcpy(m_p, v.data(), v.size() * sizeof(T), cudaMemcpyHostToDevice), "upload"); }
    std::vector<T> download() const
    {
        std::vector<T> v(m_n);
        cudaOk(cudaMemcpy(v.data(), m_p, m_n * sizeof(T), cudaMemcpyDeviceToHost), "download");
        return v;
    }
    // 0xff bytes: NaN for fp32 and bf16, -1 for int32, so an element the kernel skipped is caught.
    void poison() { cudaOk(cudaMemset(m_p, 0xff, m_n * sizeof(T)), "poison"); }
    void zero() { cudaOk(cudaMemset(m_p, 0, m_n * sizeof(T)), "zero"); }

private:
    T* m_p = nullptr;
    size_t m_n = 0;
};

inline std::uint16_t toBf16Bits(float f)
{
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return 0x7fc0;  // NaN
    u += 0x7fffu + ((u >> 16) & 1u);                       // round to nearest even
    return static_cast<std::uint16_t>(u >> 16);
}

inline float fromBf16Bits(std::uint16_t b)
{
    const std::uint32_t u = static_cast<std::uint32_t>(b) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

// A fresh seed per call (reported in failures so a run can be repeated by hand).
inline std::uint64_t freshSeed()
{
    static std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

// Fast uniform values in [-scale, scale), rounded to bf16: `vals` gets the rounded floats (what the
// twin sees), the return value the bits to upload.
inline std::vector<__nv_bfloat16> randomBf16(size_t n, float scale, std::uint64_t seed, std::vector<float>& vals)
{
    std::vector<__nv_bfloat16> bits(n);
    vals.resize(n);
    std::uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < n; ++i) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        const float f = (static_cast<float>(s >> 40) * (1.0f / 16777216.0f) * 2.0f - 1.0f) * scale;
        const std::uint16_t b = toBf16Bits(f);
        vals[i] = fromBf16Bits(b);
        __nv_bfloat16_raw raw;
        raw.x = b;
        bits[i] = raw;
    }
    return bits;
}

inline std::vector<float> bf16ToFloat(const std::vector<__nv_bfloat16>& v)
{
    std::vector<float> f(v.size());
    for (size_t i = 0; i < v.size(); ++i) {
        f[i] = fromBf16Bits(static_cast<__nv_bfloat16_raw>(v[i]).x);
    }
    return f;
}

// ‖out − ref‖ / ‖ref‖; any NaN or Inf in `out` (an unwritten, poisoned element) gives +inf.
inline double relL2(const std::vector<float>& out, const std::vector<float>& ref)
{
    if (out.size() != ref.size()) return INFINITY;
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < out.size(); ++i) {
        if (!std::isfinite(out[i])) return INFINITY;
        const double d = static_cast<double>(out[i]) - ref[i];
        num += d * d;
        den += static_cast<double>(ref[i]) * ref[i];
    }
    return den > 0.0 ? std::sqrt(num / den) : std::sqrt(num);
}

}  // namespace fathom::gputest
