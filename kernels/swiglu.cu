// SwiGLU kernel: one 16-byte chunk (8 values) of gate and of up per thread, fp32 math, bf16 out.
#include "kernels/swiglu.cuh"

#include "kernels/moe_common.cuh"

namespace fathom::kernels {
namespace {

__global__ void __launch_bounds__(256) swigluKernel(SwigluParams p)
{
    using namespace detail;
    const int nc = p.n / 8;
    const long long total = static_cast<long long>(p.n_tokens) * nc;
    for (long long k = blockIdx.x * 256LL + threadIdx.x; k < total; k += static_cast<long long>(gridDim.x) * 256) {
        const long long t = k / nc;
        const long long c = k - t * nc;
        const uint4* row = reinterpret_cast<const uint4*>(p.gate_up + t * 2 * p.n);
        const uint4 g = __ldg(row + c), u = __ldg(row + nc + c);
        const std::uint32_t gw[4] = {g.x, g.y, g.z, g.w}, uw[4] = {u.x, u.y, u.z, u.w};
        std::uint32_t ow[4];
#pragma unroll
        for (int j = 0; j < 4; ++j) {
            const __nv_bfloat162 pair = __floats2bfloat162_rn(silu(bf16lo(gw[j])) * bf16lo(uw[j]),
                                                              silu(bf16hi(gw[j])) * bf16hi(uw[j]));
            ow[j] = *reinterpret_cast<const std::uint32_t*>(&pair);
        }
        reinterpret_cast<uint4*>(p.out + t * p.n)[c] = make_uint4(ow[0], ow[1], ow[2], ow[3]);
    }
}

}  // namespace

void launchSwiglu(const SwigluParams& p, cudaStream_t stream)
{
    using detail::require;
    const char* op = "swiglu";
    require(p.gate_up && p.out, op, "a required pointer is null");
    require(p.n_tokens >= 0 && p.n > 0 && p.n % 8 == 0, op, "n " + std::to_string(p.n) + " must be a positive multiple of 8");
    require(detail::aligned16(p.gate_up) && detail::aligned16(p.out), op, "gate_up and out must be 16-byte aligned");
    if (p.n_tokens == 0) return;
    const long long chunks = static_cast<long long>(p.n_tokens) * (p.n / 8);
    const int grid = static_cast<int>(std::min<long long>((chunks + 255) / 256, 16LL * detail::smCount()));
    swigluKernel<<<grid, 256, 0, stream>>>(p);
    detail::checkLaunch(op);
}

}  // namespace fathom::kernels
