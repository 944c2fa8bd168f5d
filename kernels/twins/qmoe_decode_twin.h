// CPU twin of kernels/qmoe_decode: the experts of one token as plain loops over the GGUF layout
// (merged routed experts, one shared MLP), each needed row dequantized exactly (quant.h) on the way.
#pragma once

#include "kernels/qmatrix.cuh"

namespace fathom::kernels::twins {

// As QMoeExperts (kernels/qmoe_decode.cuh), with the QMatrix data in host memory.
struct QExpertsTwin {
    QMatrix gate, up, down;  // [n*inter, hidden], [n*inter, hidden], [n*hidden, inter]
    int inter = 0;
};

// out fp32 [hidden] (+)= Σ_j weights[j] · down_{ids[j]} · (SiLU(gate·x) ⊙ (up·x)) over the top_k
// routed experts, plus the shared MLP with weight 1 when n_shared = 1. x fp32 [hidden].
void qmoeDecodeTwin(const float* x, const QExpertsTwin& routed, const QExpertsTwin& shared, const int* ids,
                    const float* weights, int hidden, int top_k, int n_shared, bool accumulate, float* out);

}  // namespace fathom::kernels::twins
