// Philox4x32-10 counter-based RNG (Salmon et al., SC'11) and the fixed-point helpers of the sampling
// rule (inference/sampling/sampler.h), shared by the CPU sampler and the GPU sampling kernel so that a
// seed gives the same token on both; plain C++ that nvcc also compiles for the device.
#pragma once

#include <cstdint>

#if defined(__CUDACC__)
#define FATHOM_HD __host__ __device__ __forceinline__
#else
#define FATHOM_HD inline
#endif

namespace fathom {

FATHOM_HD std::uint32_t philoxMulhi(std::uint32_t a, std::uint32_t b)
{
    return static_cast<std::uint32_t>((static_cast<std::uint64_t>(a) * b) >> 32);
}

// First 32-bit word of Philox4x32-10 with counter (step, row) and key seed.
FATHOM_HD std::uint32_t philox32(std::uint64_t seed, std::uint64_t step, std::uint32_t row)
{
    std::uint32_t c0 = static_cast<std::uint32_t>(step), c1 = static_cast<std::uint32_t>(step >> 32);
    std::uint32_t c2 = row, c3 = 0;
    std::uint32_t k0 = static_cast<std::uint32_t>(seed), k1 = static_cast<std::uint32_t>(seed >> 32);
    for (int r = 0; r < 10; ++r) {
        const std::uint32_t lo0 = 0xD2511F53u * c0, hi0 = philoxMulhi(0xD2511F53u, c0);
        const std::uint32_t lo1 = 0xCD9E8D57u * c2, hi1 = philoxMulhi(0xCD9E8D57u, c2);
        const std::uint32_t n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
        c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    return c0;
}

// Softmax weights as fixed-point integers (2^40 = probability of the best token): integer sums do
// not depend on the order of addition, so a seed picks the same token on every run.
FATHOM_HD std::uint64_t sampleWeightFixed(float e) { return static_cast<std::uint64_t>(e * 1099511627776.0f); }

// Monotonic map of a float to an unsigned key (larger float, larger key).
FATHOM_HD std::uint32_t orderKey(std::uint32_t bits) { return (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u); }

// floor(total * u / 2^32) without 128-bit arithmetic: the draw's position in [0, total).
FATHOM_HD std::uint64_t samplingTarget(std::uint64_t total, std::uint32_t u)
{
    return (total >> 32) * u + (((total & 0xffffffffull) * u) >> 32);
}

}  // namespace fathom
