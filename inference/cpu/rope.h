// Rotary position embedding with DeepSeek's YaRN scaling, applied to INTERLEAVED pairs (x0,x1),(x2,x3),…
// of the rope dims (docs/ARCHITECTURE.md, 'Details that are easy to get wrong': V2's permute +
// rotate_half and V3's complex product are this same function).
#pragma once

#include "inference/model/model_config.h"

#include <cstdint>
#include <vector>

namespace fathom::inference::cpu {

// DeepSeek's yarn_get_mscale: 1 for scale <= 1, else 0.1·mscale·ln(scale) + 1.
double yarnMscale(double scale, double mscale);

class YarnRope final {
public:
    // dim: rope head dim (even); theta: rope base; scaling.yarn = false gives plain rope.
    YarnRope(std::int64_t dim, double theta, const RopeScaling& scaling);

    std::int64_t dim() const { return m_dim; }
    const std::vector<float>& invFreq() const { return m_invFreq; }  // fp32 [dim / 2]
    float cosSinScale() const { return m_mscale; }  // yarn_mscale(f, mscale) / yarn_mscale(f, mscale_all_dim)

    // Rotates `count` vectors x[i * stride .. + dim) in place, all at position `pos`.
    void apply(float* x, std::int64_t count, std::int64_t stride, std::int64_t pos) const;

private:
    std::int64_t m_dim;
    std::vector<float> m_invFreq;
    float m_mscale = 1.0f;
};

// cos/sin of every position exactly as apply() uses them, mscale folded in: fp32 [positions, dim/2]
// each. The CUDA backend uploads these, so both backends rotate by the same numbers.
struct RopeTables {
    int positions = 0;
    int half = 0;
    std::vector<float> cos, sin;
};
RopeTables ropeTables(const YarnRope& rope, int positions);

}  // namespace fathom::inference::cpu
