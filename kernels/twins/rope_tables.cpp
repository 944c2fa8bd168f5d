// YaRN as DeepSeek's modeling code computes it (DeepseekV2YarnRotaryEmbedding): per-frequency blend of
// the original and the factor-interpolated frequencies by a linear ramp over the correction range, whose
// ends use floor / ceil (easy to get wrong: docs/ARCHITECTURE.md, 'Details that are easy to get wrong'),
// and cos/sin scaled by yarn_mscale(factor, mscale) / yarn_mscale(factor, mscale_all_dim).
#include "kernels/twins/rope_tables.h"

#include <algorithm>
#include <cmath>

namespace fathom::kernels {

double yarnMscale(double scale, double mscale)
{
    return scale <= 1.0 ? 1.0 : 0.1 * mscale * std::log(scale) + 1.0;
}

namespace {
constexpr double kPi = 3.14159265358979323846;

double correctionDim(double rotations, int dim, double base, double maxPos)
{
    return (dim * std::log(maxPos / (rotations * 2.0 * kPi))) / (2.0 * std::log(base));
}
}  // namespace

RopeTables buildRopeTables(const RopeSpec& spec, int positions)
{
    RopeTables t;
    t.positions = positions;
    t.half = spec.rope_dim / 2;
    t.inv_freq.resize(t.half);
    double low = 0, high = 0;
    if (spec.yarn) {
        low = std::max(std::floor(correctionDim(spec.beta_fast, spec.rope_dim, spec.theta, spec.original_max_position)), 0.0);
        high = std::min(std::ceil(correctionDim(spec.beta_slow, spec.rope_dim, spec.theta, spec.original_max_position)),
                        static_cast<double>(spec.rope_dim - 1));
        if (low == high)
            high += 0.001;  // as DeepSeek's yarn_linear_ramp_mask: avoid a zero-width ramp
    }
    for (int i = 0; i < t.half; ++i) {
        const double extra = 1.0 / std::pow(spec.theta, (2.0 * i) / spec.rope_dim);
        if (!spec.yarn) {
            t.inv_freq[i] = extra;
            continue;
        }
        const double inter = extra / spec.factor;
        const double ramp = std::clamp((i - low) / (high - low), 0.0, 1.0);
        const double keepExtra = 1.0 - ramp;  // inv_freq_mask: 1 below the range (high frequencies)
        t.inv_freq[i] = inter * (1.0 - keepExtra) + extra * keepExtra;
    }
    const double m = spec.yarn ? yarnMscale(spec.factor, spec.mscale) / yarnMscale(spec.factor, spec.mscale_all_dim) : 1.0;
    t.cos.resize(static_cast<std::size_t>(positions) * t.half);
    t.sin.resize(t.cos.size());
    for (int p = 0; p < positions; ++p)
        for (int i = 0; i < t.half; ++i) {
            // fp32 angle as the reference code computes t * inv_freq in fp32 (torch.outer on fp32).
            const float angle = static_cast<float>(p) * static_cast<float>(t.inv_freq[i]);
            t.cos[static_cast<std::size_t>(p) * t.half + i] = static_cast<float>(std::cos(static_cast<double>(angle)) * m);
            t.sin[static_cast<std::size_t>(p) * t.half + i] = static_cast<float>(std::sin(static_cast<double>(angle)) * m);
        }
    return t;
}

}  // namespace fathom::kernels
