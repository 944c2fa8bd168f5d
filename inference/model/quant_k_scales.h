// The 12-byte scale/min packing shared by Q4_K and Q5_K: eight 6-bit scales and eight 6-bit mins.
// Bytes 0-3 hold scales 0-3 (low 6 bits), bytes 4-7 mins 0-3; sub-blocks 4-7 take their low 4
// bits from bytes 8-11 and their top 2 bits from the spare top bits of bytes 0-7 (ggml's
// get_scale_min_k4).
#pragma once

#include <cstdint>

namespace fathom::inference {

struct KScaleMin {
    int scale;
    int min;
};

inline KScaleMin kScaleMin(const std::uint8_t* q, int j)
{
    if (j < 4)
        return {q[j] & 63, q[j + 4] & 63};
    return {(q[j + 4] & 0x0f) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4)};
}

}  // namespace fathom::inference
