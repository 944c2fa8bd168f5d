// y = xᵀ · W for one vector x over the rows of W [rows, cols] (f32/f16/bf16): the "absorbed" MLA
// query q_nope · W_uk, which walks the weight row by row instead of column by column.
#pragma once

#include "inference/cpu/weight_matrix.h"

namespace fathom::inference::cpu {

// x: fp32 [w.rows]; y: fp32 [w.cols] (overwritten). Single-threaded: callers parallelise outside.
void matvecTransposed(const float* x, const WeightMatrix& w, float* y);

}  // namespace fathom::inference::cpu
