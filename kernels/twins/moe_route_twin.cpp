// CPU twin of the MoE router (see moe_route_twin.h). Follows DeepSeek's MoEGate line by line.
#include "kernels/twins/moe_route_twin.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace fathom::kernels::twins {

void moeRouteLogitsTwin(const float* x, const float* gate_w, int n_tokens, int hidden, int n_routed,
                        float* logits)
{
    for (int t = 0; t < n_tokens; ++t)
        for (int e = 0; e < n_routed; ++e) {
            double s = 0.0;
            for (int k = 0; k < hidden; ++k)
                s += static_cast<double>(x[static_cast<size_t>(t) * hidden + k]) * gate_w[static_cast<size_t>(e) * hidden + k];
            logits[static_cast<size_t>(t) * n_routed + e] = static_cast<float>(s);
        }
}

namespace {

// Index of the largest value; the lower index wins a tie; -1 when every value is -inf or NaN.
int argmax(const std::vector<float>& v)
{
    int best = -1;
    float bv = -std::numeric_limits<float>::infinity();
    for (int i = 0; i < static_cast<int>(v.size()); ++i)
        if (v[i] > bv) { bv = v[i]; best = i; }
    return best;
}

}  // namespace

void moeRouteFromLogitsTwin(const float* logits, const float* bias, int n_tokens, const RouteTwinConfig& c,
                            int* ids, float* weights)
{
    const int E = c.n_routed;
    const float ninf = -std::numeric_limits<float>::infinity();
    for (int t = 0; t < n_tokens; ++t) {
        const float* l = logits + static_cast<size_t>(t) * E;
        std::vector<float> score(E), choice(E);
        if (c.scoring == 0) {
            const float m = *std::max_element(l, l + E);
            float z = 0.f;
            for (int i = 0; i < E; ++i) { score[i] = std::exp(l[i] - m); z += score[i]; }
            for (int i = 0; i < E; ++i) score[i] /= z;
        } else {
            for (int i = 0; i < E; ++i) score[i] = 1.0f / (1.0f + std::exp(-l[i]));
        }
        for (int i = 0; i < E; ++i) choice[i] = score[i] + (c.method == 2 && bias ? bias[i] : 0.f);

        if (c.method != 0) {
            const int gsize = E / c.n_group;
            std::vector<float> gs(c.n_group);
            for (int g = 0; g < c.n_group; ++g) {
                std::vector<float> members(choice.begin() + g * gsize, choice.begin() + (g + 1) * gsize);
                std::sort(members.begin(), members.end(), std::greater<float>());
                gs[g] = c.method == 2 ? members[0] + (gsize > 1 ? members[1] : ninf) : members[0];
            }
            std::vector<bool> kept(c.n_group, false);
            for (int j = 0; j < c.topk_group; ++j) {
                const int g = argmax(gs);
                if (g < 0) break;
                kept[g] = true;
                gs[g] = ninf;
            }
            for (int i = 0; i < E; ++i)
                if (!kept[i / gsize]) choice[i] = ninf;
        }

        std::vector<int> chosen(c.top_k);
        std::vector<float> w(c.top_k);
        float sum = 0.f;
        for (int j = 0; j < c.top_k; ++j) {
            const int e = argmax(choice);
            chosen[j] = e < 0 ? j : e;
            w[j] = e < 0 ? std::numeric_limits<float>::quiet_NaN() : score[e];
            if (e >= 0) choice[e] = ninf;
            sum += w[j];
        }
        const bool norm = c.top_k > 1 && c.norm_topk_prob;
        for (int j = 0; j < c.top_k; ++j) {
            float v = norm ? w[j] / (sum + 1e-20f) : w[j];
            if (!norm || c.method == 2) v *= c.routed_scaling_factor;
            ids[static_cast<size_t>(t) * c.top_k + j] = chosen[j];
            weights[static_cast<size_t>(t) * c.top_k + j] = v;
        }
    }
}

}  // namespace fathom::kernels::twins
