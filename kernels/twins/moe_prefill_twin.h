// CPU twin of kernels/moe_prefill: every token through its experts, one token at a time.
#pragma once

namespace fathom::kernels::twins {

// out fp32 [n_tokens, hidden]: row t is moeExpertDecodeTwin of x row t with ids/weights row t.
// x fp32 [n_tokens, hidden]; ids int32 [n_tokens, top_k]; weights fp32 [n_tokens, top_k];
// w13/w2 as in moe_expert_decode_twin.h.
void moePrefillTwin(const float* x, const float* w13, const float* w2, const int* ids, const float* weights,
                    int n_tokens, int hidden, int inter, int n_routed, int top_k, int n_shared_slots, float* out);

}  // namespace fathom::kernels::twins
