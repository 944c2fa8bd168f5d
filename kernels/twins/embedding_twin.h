// CPU twin of kernels/embedding: out[t] = table[ids[t]], NaN rows for ids outside the vocabulary.
#pragma once

#include <cstdint>

namespace fathom::kernels {

void embeddingTwin(const float* table, int vocab, int dim, const std::int32_t* ids, int nTokens, float* out);

}  // namespace fathom::kernels
