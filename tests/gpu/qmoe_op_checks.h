// The quantized-weight rows' checks for the GPU op table (dequantize, qmoe_prefill): random valid
// GGUF blocks, the CPU dequantization of inference/model/quant.h as the twin.
#pragma once

#include "kernels/qmatrix.cuh"
#include "tests/gpu/moe_op_checks.h"

namespace fathom::gputest {

// Dequantize rows [row0, row0 + n_rows) of a random [rows, cols] matrix into an ld-wide bf16 tile.
// err = elements whose bits differ from the twin's fp32 rounded to bf16 (the row wants 0);
// ok = the padding columns past cols are left untouched.
struct DequantShape {
    kernels::WType type;
    int rows, cols, row0, n_rows, ld;
};
CheckResult checkDequantize(const DequantShape& s);

// qmoe_prefill with routed experts (top_k > 0) and/or one shared expert (shared_inter > 0).
struct QMoeShape {
    int n_tokens, hidden;
    int n_routed, top_k, routed_inter;  // top_k 0: no routed experts (a dense layer)
    int shared_inter;                   // 0: no shared expert
    kernels::WType routed_gate_up, routed_down, shared_gate_up, shared_down;
    bool out_bf16, accumulate;
};
// err = rel L2 against the fp32 twin (moe_prefill_twin) run on the twin's dequantized weights
// rounded to bf16, the values the kernel's tiles hold.
CheckResult checkQMoePrefill(const QMoeShape& s);

}  // namespace fathom::gputest
