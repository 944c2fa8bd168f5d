// dequantize(): one entry point over every stored dtype, for callers that hold a dtype at run time.
#include "inference/model/quant.h"

#include "base/error.h"

#include <cstring>

namespace fathom::inference {

void dequantize(DType t, const std::byte* src, std::int64_t count, float* out)
{
    const std::int64_t blocks = count / blockElements(t);
    switch (t) {
    case DType::F32: std::memcpy(out, src, static_cast<std::size_t>(count) * 4); return;
    case DType::F16:
    case DType::BF16: {
        TensorView v;
        v.dtype = t;
        v.data = src;
        v.shape = {count};
        toFloat(v, 0, count, out);
        return;
    }
    case DType::Q8_0: dequantizeQ8_0(src, blocks, out); return;
    case DType::Q4_0: dequantizeQ4_0(src, blocks, out); return;
    case DType::Q4_1: dequantizeQ4_1(src, blocks, out); return;
    case DType::Q5_0: dequantizeQ5_0(src, blocks, out); return;
    case DType::Q5_1: dequantizeQ5_1(src, blocks, out); return;
    case DType::Q4_K: dequantizeQ4_K(src, blocks, out); return;
    case DType::Q5_K: dequantizeQ5_K(src, blocks, out); return;
    case DType::Q6_K: dequantizeQ6_K(src, blocks, out); return;
    }
    throwInternalError("dequantize: unknown dtype");
}

}  // namespace fathom::inference
