// Rope for prefill q: one block per token, one thread per (head, pair or copied pair of dims).
#include "kernels/rope.cuh"

#include "kernels/common.cuh"

namespace fathom::kernels {

static __global__ void ropeKernel(RopeParams p)
{
    const int t = blockIdx.x;
    const int pos = p.positions[t];
    const bool badPos = pos < 0 || pos >= p.max_position;
    const int halfDim = p.head_dim / 2;  // work items per head: pairs of dims
    const int ropeHalf = (p.head_dim - p.rope_offset) / 2;
    for (int item = threadIdx.x; item < p.n_heads * halfDim; item += blockDim.x) {
        const int h = item / halfDim, pair = item % halfDim;
        const int d = 2 * pair;
        const float* x = p.in + t * p.in_row_stride + h * p.in_head_stride + d;
        float y0 = x[0], y1 = x[1];
        if (d >= p.rope_offset) {
            const int j = (d - p.rope_offset) / 2;
            if (badPos) {
                y0 = y1 = __int_as_float(0x7fc00000);
            } else {
                const float c = p.cos[static_cast<std::int64_t>(pos) * ropeHalf + j];
                const float s = p.sin[static_cast<std::int64_t>(pos) * ropeHalf + j];
                ropePair(x[0], x[1], c, s, y0, y1);
            }
        }
        const std::int64_t o = t * p.out_row_stride + h * p.out_head_stride + d;
        if (p.out_bf16) {
            *reinterpret_cast<__nv_bfloat162*>(static_cast<__nv_bfloat16*>(p.out) + o) = __floats2bfloat162_rn(y0, y1);
        } else {
            *reinterpret_cast<float2*>(static_cast<float*>(p.out) + o) = make_float2(y0, y1);
        }
    }
}

void launchRope(const RopeParams& p, cudaStream_t stream)
{
    const char* op = "rope";
    require(p.in && p.out && p.positions && p.cos && p.sin, op, "null pointer");
    require(p.n_heads > 0 && p.head_dim > 0 && p.head_dim % 2 == 0, op, "head_dim must be even and positive");
    require(p.rope_offset >= 0 && p.rope_offset % 2 == 0 && p.rope_offset < p.head_dim, op,
            "rope_offset must be even and inside the head");
    require(p.in_row_stride % 2 == 0 && p.in_head_stride % 2 == 0 && p.out_row_stride % 2 == 0 &&
                p.out_head_stride % 2 == 0,
            op, "strides must be even (pairs are read as one vector)");
    require(p.max_position > 0, op, "max_position must be positive");
    if (p.n_tokens <= 0)
        return;
    ropeKernel<<<p.n_tokens, 256, 0, stream>>>(p);
    checkLaunch(op);
}

}  // namespace fathom::kernels
