// Rope cos/sin tables with DeepSeek's YaRN scaling, built on the host once per model and uploaded:
// the kernels only index them. Plain numbers in, so this builds without the engine headers.
#pragma once

#include <cstdint>
#include <vector>

namespace fathom::kernels {

struct RopeSpec {
    int rope_dim = 64;              // qk_rope_head_dim: tables have rope_dim / 2 columns
    double theta = 10000.0;         // rope_theta
    bool yarn = false;              // rope_scaling.type == "yarn"
    double factor = 1.0;
    double original_max_position = 4096;
    double beta_fast = 32.0;
    double beta_slow = 1.0;
    double mscale = 1.0;
    double mscale_all_dim = 0.0;
};

struct RopeTables {
    int positions = 0;
    int half = 0;                   // rope_dim / 2
    std::vector<float> cos;         // fp32 [positions, half]
    std::vector<float> sin;         // fp32 [positions, half]
    std::vector<double> inv_freq;   // [half], for tests and diagnostics
};

RopeTables buildRopeTables(const RopeSpec& spec, int positions);

// DeepSeek's yarn_get_mscale: 1 for scale <= 1, else 0.1 * mscale * ln(scale) + 1.
double yarnMscale(double scale, double mscale);

}  // namespace fathom::kernels
