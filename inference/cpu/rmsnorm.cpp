// rmsnorm: the sum of squares is accumulated in double so long rows lose nothing to ordering.
#include "inference/cpu/rmsnorm.h"

#include <cmath>

namespace fathom::inference::cpu {

void rmsnorm(ThreadPool& pool, const float* x, std::int64_t n, std::int64_t xStride, const float* weight,
             std::int64_t dim, float eps, float* out, std::int64_t outStride)
{
    auto rows = [&](std::int64_t r0, std::int64_t r1, int) {
        for (std::int64_t r = r0; r < r1; ++r) {
            const float* xr = x + r * xStride;
            float* o = out + r * outStride;
            double ss = 0.0;
            for (std::int64_t i = 0; i < dim; ++i)
                ss += double(xr[i]) * xr[i];
            const float inv = static_cast<float>(1.0 / std::sqrt(ss / double(dim) + double(eps)));
            for (std::int64_t i = 0; i < dim; ++i)
                o[i] = weight[i] * (xr[i] * inv);
        }
    };
    // A row is a few microseconds of work: only prefill batches are worth the hand-off.
    if (n < 8)
        rows(0, n, 0);
    else
        pool.parallelFor(n, rows);
}

}  // namespace fathom::inference::cpu
