// CPU twin of kernels/moe_expert_decode: the experts of one token written as plain loops over the
// same device layout (w13 gate/up rows interleaved in blocks of 64, see moe_expert_decode.cuh).
#pragma once

namespace fathom::kernels::twins {

// Row of w13 that holds gate row i (up row i is 64 rows further): the interleaved layout.
inline long long gateRowInW13(int i) { return static_cast<long long>(i / 64) * 128 + i % 64; }

// out fp32 [hidden] = Σ_slots weight_s · w2[e_s] · (SiLU(gate_e·x) ⊙ (up_e·x)); slots are the top_k
// routed ids (weights from `weights`) then n_shared_slots shared ids n_routed.. with weight 1.
// x fp32 [hidden]; w13 fp32 [n_routed + n_shared_slots, 2*inter, hidden]; w2 fp32 [.., hidden, inter].
void moeExpertDecodeTwin(const float* x, const float* w13, const float* w2, const int* ids, const float* weights,
                         int hidden, int inter, int n_routed, int top_k, int n_shared_slots, float* out);

}  // namespace fathom::kernels::twins
