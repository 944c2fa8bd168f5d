// Embedding twin: a row copy.
#include "kernels/twins/embedding_twin.h"

#include <limits>

namespace fathom::kernels {

void embeddingTwin(const float* table, int vocab, int dim, const std::int32_t* ids, int nTokens, float* out)
{
    for (int t = 0; t < nTokens; ++t)
        for (int d = 0; d < dim; ++d)
            out[static_cast<long>(t) * dim + d] = ids[t] >= 0 && ids[t] < vocab
                                                      ? table[static_cast<long>(ids[t]) * dim + d]
                                                      : std::numeric_limits<float>::quiet_NaN();
}

}  // namespace fathom::kernels
