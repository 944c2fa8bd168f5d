// Twin of qmoe_decode (see qmoe_decode_twin.h), accumulated in double.
#include "kernels/twins/qmoe_decode_twin.h"

#include <cmath>
#include <vector>

#include "kernels/twins/qmatrix_twin.h"

namespace fathom::kernels::twins {

namespace {

// out[o] += weight · Σ_i down[row0 + o][i] · h[i], h = SiLU(gate·x) ⊙ (up·x) of expert e.
void addExpert(const float* x, const QExpertsTwin& g, long long e, double weight, int hidden, std::vector<double>& acc)
{
    const std::vector<float> gate = dequantizeRowsTwin(g.gate, e * g.inter, g.inter);
    const std::vector<float> up = dequantizeRowsTwin(g.up, e * g.inter, g.inter);
    const std::vector<float> down = dequantizeRowsTwin(g.down, e * hidden, hidden);
    std::vector<double> h(g.inter);
    for (int i = 0; i < g.inter; ++i) {
        double sg = 0, su = 0;
        for (int c = 0; c < hidden; ++c) {
            sg += static_cast<double>(gate[static_cast<size_t>(i) * hidden + c]) * x[c];
            su += static_cast<double>(up[static_cast<size_t>(i) * hidden + c]) * x[c];
        }
        h[i] = weight * (sg / (1.0 + std::exp(-sg))) * su;
    }
    for (int o = 0; o < hidden; ++o) {
        double s = 0;
        for (int i = 0; i < g.inter; ++i)
            s += static_cast<double>(down[static_cast<size_t>(o) * g.inter + i]) * h[i];
        acc[o] += s;
    }
}

}  // namespace

void qmoeDecodeTwin(const float* x, const QExpertsTwin& routed, const QExpertsTwin& shared, const int* ids,
                    const float* weights, int hidden, int top_k, int n_shared, bool accumulate, float* out)
{
    std::vector<double> acc(hidden, 0.0);
    for (int j = 0; j < top_k; ++j)
        addExpert(x, routed, ids[j], weights[j], hidden, acc);
    if (n_shared)
        addExpert(x, shared, 0, 1.0, hidden, acc);
    for (int o = 0; o < hidden; ++o)
        out[o] = static_cast<float>(accumulate ? out[o] + acc[o] : acc[o]);
}

}  // namespace fathom::kernels::twins
