// CPU twin of the fused decode experts (see moe_expert_decode_twin.h).
#include "kernels/twins/moe_expert_decode_twin.h"

#include <cmath>
#include <vector>

namespace fathom::kernels::twins {

void moeExpertDecodeTwin(const float* x, const float* w13, const float* w2, const int* ids, const float* weights,
                         int hidden, int inter, int n_routed, int top_k, int n_shared_slots, float* out)
{
    std::vector<double> acc(hidden, 0.0);
    std::vector<double> h(inter);
    for (int s = 0; s < top_k + n_shared_slots; ++s) {
        const long long e = s < top_k ? ids[s] : n_routed + (s - top_k);
        const double w = s < top_k ? weights[s] : 1.0;
        for (int i = 0; i < inter; ++i) {
            const float* g = w13 + (e * 2 * inter + gateRowInW13(i)) * hidden;
            const float* u = g + 64LL * hidden;
            double sg = 0.0, su = 0.0;
            for (int k = 0; k < hidden; ++k) {
                sg += static_cast<double>(g[k]) * x[k];
                su += static_cast<double>(u[k]) * x[k];
            }
            h[i] = w * (sg / (1.0 + std::exp(-sg))) * su;
        }
        for (int o = 0; o < hidden; ++o) {
            const float* d = w2 + (e * hidden + o) * inter;
            double s2 = 0.0;
            for (int i = 0; i < inter; ++i) s2 += static_cast<double>(d[i]) * h[i];
            acc[o] += s2;
        }
    }
    for (int o = 0; o < hidden; ++o) out[o] = static_cast<float>(acc[o]);
}

}  // namespace fathom::kernels::twins
