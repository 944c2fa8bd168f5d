// YarnRope: the inverse frequencies follow DeepSeek's _set_cos_sin_cache in fp32; angles are
// pos × inv_freq rounded to fp32 as PyTorch forms them, cos/sin then taken in double.
#include "inference/cpu/rope.h"

#include "base/error.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

namespace fathom::inference::cpu {

namespace {

// yarn_find_correction_dim: the dim index whose wavelength makes `rotations` turns over `maxPos`.
double correctionDim(double rotations, double dim, double base, double maxPos)
{
    return dim * std::log(maxPos / (rotations * 2.0 * std::numbers::pi)) / (2.0 * std::log(base));
}

}  // namespace

double yarnMscale(double scale, double mscale)
{
    if (scale <= 1.0)
        return 1.0;
    return 0.1 * mscale * std::log(scale) + 1.0;
}

YarnRope::YarnRope(std::int64_t dim, double theta, const RopeScaling& scaling) : m_dim(dim)
{
    if (dim <= 0 || dim % 2 != 0)
        throwInternalError("rope head dim must be positive and even, got " + std::to_string(dim));
    const std::int64_t half = dim / 2;
    m_invFreq.resize(static_cast<std::size_t>(half));
    // Low/high are floored/ceiled (DeepSeek's yarn_find_correction_range), then clamped to [0, dim-1].
    double low = 0, high = 0;
    if (scaling.yarn) {
        const double maxPos = double(scaling.originalMaxPosition);
        low = std::max(0.0, std::floor(correctionDim(scaling.betaFast, double(dim), theta, maxPos)));
        high = std::min(double(dim - 1), std::ceil(correctionDim(scaling.betaSlow, double(dim), theta, maxPos)));
        if (low == high)
            high += 0.001;  // yarn_linear_ramp_mask avoids a zero division the same way
        m_mscale = static_cast<float>(yarnMscale(scaling.factor, scaling.mscale) /
                                      yarnMscale(scaling.factor, scaling.mscaleAllDim));
    }
    for (std::int64_t i = 0; i < half; ++i) {
        const float extra = static_cast<float>(1.0 / std::pow(theta, double(2 * i) / double(dim)));
        if (!scaling.yarn) {
            m_invFreq[size_t(i)] = extra;
            continue;
        }
        const float inter = static_cast<float>(1.0 / (scaling.factor * std::pow(theta, double(2 * i) / double(dim))));
        // ramp 0 below `low` (keep the original frequency), 1 above `high` (interpolate fully).
        const float ramp = std::clamp(static_cast<float>((double(i) - low) / (high - low)), 0.0f, 1.0f);
        const float extraMask = 1.0f - ramp;
        m_invFreq[size_t(i)] = inter * (1.0f - extraMask) + extra * extraMask;
    }
}

RopeTables ropeTables(const YarnRope& rope, int positions)
{
    RopeTables t;
    t.positions = positions;
    t.half = static_cast<int>(rope.dim() / 2);
    t.cos.resize(static_cast<std::size_t>(positions) * t.half);
    t.sin.resize(t.cos.size());
    for (int p = 0; p < positions; ++p)
        for (int i = 0; i < t.half; ++i) {
            const float angle = static_cast<float>(p) * rope.invFreq()[size_t(i)];  // as apply() forms it
            t.cos[size_t(p) * t.half + i] = static_cast<float>(std::cos(double(angle))) * rope.cosSinScale();
            t.sin[size_t(p) * t.half + i] = static_cast<float>(std::sin(double(angle))) * rope.cosSinScale();
        }
    return t;
}

void YarnRope::apply(float* x, std::int64_t count, std::int64_t stride, std::int64_t pos) const
{
    const std::int64_t half = m_dim / 2;
    float cs[256], sn[256];
    for (std::int64_t i0 = 0; i0 < half; i0 += 256) {
        const std::int64_t n = std::min<std::int64_t>(256, half - i0);
        for (std::int64_t i = 0; i < n; ++i) {
            const float angle = static_cast<float>(pos) * m_invFreq[size_t(i0 + i)];
            cs[i] = static_cast<float>(std::cos(double(angle))) * m_mscale;
            sn[i] = static_cast<float>(std::sin(double(angle))) * m_mscale;
        }
        for (std::int64_t v = 0; v < count; ++v) {
            float* p = x + v * stride + 2 * i0;
            for (std::int64_t i = 0; i < n; ++i) {
                const float a = p[2 * i], b = p[2 * i + 1];
                p[2 * i] = a * cs[i] - b * sn[i];
                p[2 * i + 1] = b * cs[i] + a * sn[i];
            }
        }
    }
}

}  // namespace fathom::inference::cpu
