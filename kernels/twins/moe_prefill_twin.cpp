// CPU twin of the prefill MoE (see moe_prefill_twin.h): sorting by expert changes nothing in the
// result, so the twin is the per-token experts loop.
#include "kernels/twins/moe_prefill_twin.h"

#include <cstddef>

#include "kernels/twins/moe_expert_decode_twin.h"

namespace fathom::kernels::twins {

void moePrefillTwin(const float* x, const float* w13, const float* w2, const int* ids, const float* weights,
                    int n_tokens, int hidden, int inter, int n_routed, int top_k, int n_shared_slots, float* out)
{
    for (int t = 0; t < n_tokens; ++t)
        moeExpertDecodeTwin(x + static_cast<std::size_t>(t) * hidden, w13, w2, ids + static_cast<std::size_t>(t) * top_k,
                            weights + static_cast<std::size_t>(t) * top_k, hidden, inter, n_routed, top_k,
                            n_shared_slots, out + static_cast<std::size_t>(t) * hidden);
}

}  // namespace fathom::kernels::twins
