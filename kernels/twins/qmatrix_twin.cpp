// Twins of qgemv and qembedding (see qmatrix_twin.h).
#include "kernels/twins/qmatrix_twin.h"

#include <cmath>
#include <cstddef>
#include <limits>

#include "inference/model/quant.h"

namespace fathom::kernels::twins {

void dequantizeRowsTwin(const QMatrix& m, long long row0, int n, float* out)
{
    // WType numbers match inference::DType (qmatrix.cuh), so the cast names the same type.
    const auto type = static_cast<inference::DType>(static_cast<int>(m.type));
    const auto* base = static_cast<const std::byte*>(m.data);
    for (int r = 0; r < n; ++r)
        inference::dequantize(type, base + (row0 + r) * m.row_bytes, m.cols, out + static_cast<std::size_t>(r) * m.cols);
}

std::vector<float> dequantizeRowsTwin(const QMatrix& m, long long row0, int n)
{
    std::vector<float> out(static_cast<std::size_t>(n) * m.cols);
    dequantizeRowsTwin(m, row0, n, out.data());
    return out;
}

void qgemvTwin(const QMatrix& w, const float* x, bool swiglu, std::int64_t up_offset, float* y, bool accumulate)
{
    std::vector<float> xs(x, x + w.cols), row(w.cols);
    if (swiglu)
        for (int c = 0; c < w.cols; ++c)
            xs[c] = x[c] / (1.0f + std::exp(-x[c])) * x[c + up_offset];
    for (int r = 0; r < w.rows; ++r) {
        dequantizeRowsTwin(w, r, 1, row.data());
        double acc = 0;
        for (int c = 0; c < w.cols; ++c)
            acc += static_cast<double>(row[c]) * xs[c];
        y[r] = static_cast<float>(accumulate ? y[r] + acc : acc);
    }
}

void qembeddingTwin(const QMatrix& table, const std::int32_t* ids, int n, float* out)
{
    for (int t = 0; t < n; ++t) {
        float* o = out + static_cast<std::size_t>(t) * table.cols;
        if (ids[t] < 0 || ids[t] >= table.rows) {
            for (int c = 0; c < table.cols; ++c)
                o[c] = std::numeric_limits<float>::quiet_NaN();
            continue;
        }
        dequantizeRowsTwin(table, ids[t], 1, o);
    }
}

}  // namespace fathom::kernels::twins
