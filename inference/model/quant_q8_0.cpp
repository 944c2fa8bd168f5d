// Q8_0: 32 int8 weights sharing one f16 scale; w = q · d.
#include "inference/model/quant.h"

#include <cstring>

namespace fathom::inference {

void dequantizeQ8_0(const std::byte* src, std::int64_t nBlocks, float* out)
{
    for (std::int64_t b = 0; b < nBlocks; ++b, src += kQ8_0Bytes, out += kQk) {
        std::uint16_t dBits;
        std::memcpy(&dBits, src, 2);
        const float d = halfToFloat(dBits);
        const auto* q = reinterpret_cast<const std::int8_t*>(src + 2);  // int8 [32]
        for (int i = 0; i < kQk; ++i)
            out[i] = static_cast<float>(q[i]) * d;
    }
}

}  // namespace fathom::inference
