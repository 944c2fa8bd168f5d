// GEMV twin, accumulated in double.
#include "kernels/twins/gemv_twin.h"

namespace fathom::kernels {

void gemvTwin(const float* w, const float* x, float* y, int rows, int cols, int batch, bool accumulate)
{
    for (int b = 0; b < batch; ++b)
        for (int r = 0; r < rows; ++r) {
            const float* wr = w + (static_cast<long>(b) * rows + r) * cols;
            const float* xb = x + static_cast<long>(b) * cols;
            double acc = 0;
            for (int c = 0; c < cols; ++c)
                acc += static_cast<double>(wr[c]) * xb[c];
            float& out = y[static_cast<long>(b) * rows + r];
            out = static_cast<float>(accumulate ? out + acc : acc);
        }
}

}  // namespace fathom::kernels
