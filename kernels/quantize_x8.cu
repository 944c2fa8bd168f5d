// One thread per float4 of x, so each 8-lane group holds one 32-element block (qblock::quantizeWord).
#include "kernels/quantize_x8.cuh"

#include "kernels/common.cuh"
#include "kernels/qdot8.cuh"

namespace fathom::kernels {

namespace {
constexpr int kThreads = 256;
}  // namespace

static __global__ void __launch_bounds__(kThreads) quantizeX8Kernel(QuantizeX8Params p)
{
    gridDependencyBegin();  // programmatic dependent launch: kernels/common.cuh
    const int i = blockIdx.x * kThreads + threadIdx.x;
    if (i < p.n / 4)  // whole 8-lane groups: n is a multiple of 32
        qblock::quantizeWord(__ldg(reinterpret_cast<const float4*>(p.x) + i), i, qblock::q8View(p.out, p.n));
}

void launchQuantizeX8(const QuantizeX8Params& p, cudaStream_t stream)
{
    const char* op = "quantize_x8";
    require(p.x && p.out, op, "null x or out");
    require(p.n > 0 && p.n % 32 == 0, op, "n " + std::to_string(p.n) + " must be a positive multiple of 32");
    require(aligned16(p.x) && aligned16(p.out), op, "x and out must be 16-byte aligned");
    launchOverlapped(quantizeX8Kernel, dim3((p.n / 4 + kThreads - 1) / kThreads), dim3(kThreads), 0, stream, p);
    checkLaunch(op);
}

}  // namespace fathom::kernels
