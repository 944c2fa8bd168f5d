#include "kernels/twins/quantize_x8_twin.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace fathom::kernels::twins {

std::vector<unsigned char> quantizeX8Twin(const float* x, int n)
{
    const int blocks = n / 32;
    std::vector<unsigned char> out(static_cast<std::size_t>(blocks) * 40);
    for (int j = 0; j < blocks; ++j) {
        const float* v = x + 32 * j;
        float amax = 0.f;
        for (int i = 0; i < 32; ++i)
            amax = std::max(amax, std::fabs(v[i]));
        const float d = amax / 127.f;
        const float id = amax > 0.f ? 127.f / amax : 0.f;
        std::int32_t sum = 0;
        for (int i = 0; i < 32; ++i) {
            const int q = static_cast<int>(std::nearbyint(v[i] * id));  // the default rounding: half to even
            sum += q;
            out[static_cast<std::size_t>(32 * j + i)] = static_cast<unsigned char>(static_cast<std::int8_t>(q));
        }
        std::memcpy(out.data() + n + 4 * j, &d, 4);
        std::memcpy(out.data() + n + 4 * blocks + 4 * j, &sum, 4);
    }
    return out;
}

}  // namespace fathom::kernels::twins
