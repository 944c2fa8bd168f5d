// One row of kernel_bench's JSON, whichever part of the bench measured it (kernel_bench.cu: the
// attention-side and quantized decode kernels; moe_rows.cu: the MoE-side kernels and sampling).
#pragma once

#include <string>
#include <vector>

namespace fathom::bench {

struct Result {
    std::string name, shape;
    double us = 0, gbs = 0, tflops = 0;
    std::string extra;  // more JSON fields for this row (", \"tokens\": 512, ..."), or empty
};

// The MoE-side rows (moe_rows.cu): experts, routing, prefill GEMMs (bf16 and GGUF blocks), sampling.
// Arguments: --layers N --reps N --tokens N. Returns false (after printing why) when it cannot run.
bool moeRows(int argc, char** argv, std::vector<Result>& out);

}  // namespace fathom::bench
