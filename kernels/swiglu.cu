// silu(gate) * up: a grid-stride loop over element pairs.
#include "kernels/swiglu.cuh"

#include "kernels/common.cuh"

#include <algorithm>

namespace fathom::kernels {

static __global__ void swigluKernel(SwigluParams p)
{
    const int half = p.dim / 2;
    const std::int64_t total = static_cast<std::int64_t>(p.n_rows) * half;
    for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < total;
         i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
        const std::int64_t r = i / half, c = (i % half) * 2;
        const float* row = p.gate_up + r * p.in_row_stride;
        const float2 g = *reinterpret_cast<const float2*>(row + c);
        const float2 u = *reinterpret_cast<const float2*>(row + p.up_offset + c);
        const float y0 = g.x / (1.f + __expf(-g.x)) * u.x, y1 = g.y / (1.f + __expf(-g.y)) * u.y;
        reinterpret_cast<__nv_bfloat162*>(static_cast<__nv_bfloat16*>(p.out) + r * p.dim)[c / 2] =
            __floats2bfloat162_rn(y0, y1);
    }
}

void launchSwiglu(const SwigluParams& p, cudaStream_t stream)
{
    const char* op = "swiglu";
    require(p.gate_up && p.out, op, "null pointer");
    require(p.dim > 0 && p.dim % 2 == 0 && p.in_row_stride % 2 == 0 && p.up_offset % 2 == 0, op,
            "dim, stride and up_offset must be even");
    if (p.n_rows <= 0)
        return;
    const std::int64_t pairs = static_cast<std::int64_t>(p.n_rows) * (p.dim / 2);
    const int blocks = static_cast<int>(std::min<std::int64_t>((pairs + 255) / 256, 4096));
    swigluKernel<<<blocks, 256, 0, stream>>>(p);
    checkLaunch(op);
}

}  // namespace fathom::kernels
