// dot and axpy, two accumulators wide so the FMA latency is hidden on 576-long latent rows.
#include "inference/cpu/vec_ops.h"

#include "inference/cpu/simd.h"

namespace fathom::inference::cpu {

FATHOM_SIMD_CLONES float dot(const float* a, const float* b, std::int64_t n)
{
    v8f acc0 = {}, acc1 = {};
    std::int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        acc0 += load8(a + i) * load8(b + i);
        acc1 += load8(a + i + 8) * load8(b + i + 8);
    }
    for (; i + 8 <= n; i += 8)
        acc0 += load8(a + i) * load8(b + i);
    float s = hsum(acc0 + acc1);
    for (; i < n; ++i)
        s += a[i] * b[i];
    return s;
}

FATHOM_SIMD_CLONES void axpy(float a, const float* x, float* y, std::int64_t n)
{
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        store8(y + i, load8(y + i) + a * load8(x + i));
    for (; i < n; ++i)
        y[i] += a * x[i];
}

}  // namespace fathom::inference::cpu
