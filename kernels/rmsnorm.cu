// Fused residual add + RMSNorm: one block per row, the row held in registers between the sum of
// squares and the scaling pass (dims up to 4096 in one pass of float4s per thread per 1024).
#include "kernels/rmsnorm.cuh"

#include "kernels/common.cuh"
#include "kernels/qdot8.cuh"

namespace fathom::kernels {

namespace {
constexpr int kThreads = 256;
constexpr int kMaxVecPerThread = 8;  // 256 threads x 8 float4 = dims up to 8192
}  // namespace

static __global__ void __launch_bounds__(kThreads) rmsNormKernel(RmsNormParams p)
{
    gridDependencyBegin();  // programmatic dependent launch: kernels/common.cuh
    __shared__ float scratch[32];
    const std::int64_t row = blockIdx.x;
    const int stride = p.residual_stride ? p.residual_stride : p.dim;
    float* h = p.residual + row * stride;
    const float* d = p.delta ? p.delta + row * stride : nullptr;
    const int nvec = p.dim / 4;

    float4 v[kMaxVecPerThread];
    float ss = 0.f;
#pragma unroll
    for (int k = 0; k < kMaxVecPerThread; ++k) {
        const int i = threadIdx.x + k * kThreads;
        if (i < nvec) {
            float4 x = reinterpret_cast<const float4*>(h)[i];
            if (d) {
                const float4 y = reinterpret_cast<const float4*>(d)[i];
                x.x += y.x; x.y += y.y; x.z += y.z; x.w += y.w;
                reinterpret_cast<float4*>(h)[i] = x;
            }
            v[k] = x;
            ss += x.x * x.x + x.y * x.y + x.z * x.z + x.w * x.w;
        }
    }
    ss = blockSum(ss, scratch);
    const float inv = rsqrtf(ss / p.dim + p.eps);

    const __nv_bfloat16* w = static_cast<const __nv_bfloat16*>(p.weight);
#pragma unroll
    for (int k = 0; k < kMaxVecPerThread; ++k) {
        const int i = threadIdx.x + k * kThreads;
        if (i < nvec) {
            const float2 w01 = __bfloat1622float2(reinterpret_cast<const __nv_bfloat162*>(w)[2 * i]);
            const float2 w23 = __bfloat1622float2(reinterpret_cast<const __nv_bfloat162*>(w)[2 * i + 1]);
            const float4 x = v[k];
            const float4 y = make_float4(x.x * inv * w01.x, x.y * inv * w01.y, x.z * inv * w23.x, x.w * inv * w23.y);
            if (p.out_f32)
                reinterpret_cast<float4*>(p.out_f32 + row * p.dim)[i] = y;
            if (p.out_q8)  // whole 8-lane groups take this branch: dim is a multiple of 32
                qblock::quantizeWord(y, i, qblock::q8View(static_cast<unsigned char*>(p.out_q8) + row * qblock::q8Bytes(p.dim), p.dim));
            if (p.out_bf16) {
                __nv_bfloat162* o = reinterpret_cast<__nv_bfloat162*>(static_cast<__nv_bfloat16*>(p.out) + row * p.dim);
                o[2 * i] = __floats2bfloat162_rn(y.x, y.y);
                o[2 * i + 1] = __floats2bfloat162_rn(y.z, y.w);
            } else {
                reinterpret_cast<float4*>(static_cast<float*>(p.out) + row * p.dim)[i] = y;
            }
        }
    }
}

void launchRmsNorm(const RmsNormParams& p, cudaStream_t stream)
{
    const char* op = "rmsnorm";
    require(p.residual && p.weight && p.out, op, "null pointer");
    require(p.dim > 0 && p.dim % 4 == 0 && p.dim <= kThreads * kMaxVecPerThread * 4, op,
            "dim must be a multiple of 4 and at most 8192");
    require(p.residual_stride == 0 || (p.residual_stride >= p.dim && p.residual_stride % 4 == 0), op,
            "residual_stride must be 0 or a multiple of 4 no smaller than dim");
    require(aligned16(p.residual) && aligned16(p.out) && (!p.delta || aligned16(p.delta)) && (!p.out_f32 || aligned16(p.out_f32)), op,
            "residual, delta and out must be 16-byte aligned");
    require(p.delta != p.residual || !p.delta, op, "delta must not alias residual");
    require(!p.out_q8 || (p.dim % 32 == 0 && aligned16(p.out_q8)), op, "out_q8 needs dim a multiple of 32, 16-byte aligned");
    if (p.n_rows <= 0)
        return;
    launchOverlapped(rmsNormKernel, dim3(p.n_rows), dim3(kThreads), 0, stream, p);
    checkLaunch(op);
}

}  // namespace fathom::kernels
