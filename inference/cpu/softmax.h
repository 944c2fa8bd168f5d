// In-place softmax over one row (max-subtracted, fp32 values, double sum).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace fathom::inference::cpu {

inline void softmaxInPlace(float* v, std::int64_t n)
{
    float mx = v[0];
    for (std::int64_t i = 1; i < n; ++i)
        mx = std::max(mx, v[i]);
    double sum = 0;
    for (std::int64_t i = 0; i < n; ++i) {
        v[i] = std::exp(v[i] - mx);
        sum += v[i];
    }
    const float inv = static_cast<float>(1.0 / sum);
    for (std::int64_t i = 0; i < n; ++i)
        v[i] *= inv;
}

}  // namespace fathom::inference::cpu
