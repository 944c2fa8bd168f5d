// WeightMatrix: views over weight tensors, and the slow-but-simple widening used outside hot loops.
#include "inference/cpu/weight_matrix.h"

#include "inference/cpu/simd.h"
#include "inference/model/quant.h"
#include "base/error.h"

#include <string>

namespace fathom::inference::cpu {

WeightMatrix WeightMatrix::of(const TensorView& view)
{
    WeightMatrix m;
    m.dtype = view.dtype;
    m.data = view.data;
    if (view.shape.size() == 1) {
        m.rows = 1;
        m.cols = view.shape[0];
    } else if (view.shape.size() == 2) {
        m.rows = view.shape[0];
        m.cols = view.shape[1];
    } else {
        throwInternalError(view.name + ": expected a 1-D or 2-D weight, got " +
                           std::to_string(view.shape.size()) + " dimensions");
    }
    return m;
}

WeightMatrix WeightMatrix::collapsed(const TensorView& view)
{
    WeightMatrix m;
    m.dtype = view.dtype;
    m.data = view.data;
    m.cols = view.shape.empty() ? 1 : view.shape.back();
    m.rows = view.numel() / m.cols;
    return m;
}

WeightMatrix WeightMatrix::rowSlice(std::int64_t first, std::int64_t count) const
{
    WeightMatrix m = *this;
    m.data = data + static_cast<std::size_t>(first) * rowBytes(dtype, cols);
    m.rows = count;
    return m;
}

void WeightMatrix::rowToFloat(std::int64_t r, float* out) const
{
    const std::byte* row = data + static_cast<std::size_t>(r) * rowBytes(dtype, cols);
    switch (dtype) {
    case DType::F32:
        std::memcpy(out, row, static_cast<std::size_t>(cols) * 4);
        break;
    case DType::BF16:
        for (std::int64_t c = 0; c < cols; ++c) {
            Bf16 v;
            std::memcpy(&v, row + 2 * c, 2);
            out[c] = widen(v);
        }
        break;
    case DType::F16:
        for (std::int64_t c = 0; c < cols; ++c) {
            F16 v;
            std::memcpy(&v, row + 2 * c, 2);
            out[c] = widen(v);
        }
        break;
    default:
        dequantize(dtype, row, cols, out);
        break;
    }
}

}  // namespace fathom::inference::cpu
