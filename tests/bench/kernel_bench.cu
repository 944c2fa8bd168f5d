// Kernel bench, the one bench of every op in kernels/: achieved GB/s (or TFLOP/s) on V2-Lite shapes, next
// to the 4.15 TB/s copy ceiling of docs/PERFORMANCE.md (pct_of_copy) and a copy measured here
// (pct_of_measured_copy) (CONTRIBUTING.md, 'Style' 3). Attention-side rows here, the quantized decode
// rows in kernel_bench_quant.h, the MoE-side and sampling rows in moe_rows.cu.
// Each kernel runs as a captured graph of back-to-back launches over rotating buffers (> 4x the L2),
// the way a decode step replays it; the median of several replays is reported. JSON on stdout.
#include "kernels/gemv.cuh"
#include "kernels/mla_decode.cuh"
#include "kernels/mla_prefill.cuh"
#include "kernels/rmsnorm.cuh"
#include "inference/cpu/rope.h"
#include "tests/bench/bench_result.h"
#include "tests/gpu/attn_gpu_util.h"

#include <cublas_v2.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

using namespace fathom;
using namespace fathom::attntest;

namespace {

constexpr double kCopyAnchorGBs = 4150.0;
constexpr std::size_t kRotateBytes = 512ull << 20;  // rotate inputs over >= 512 MB: L2 is 60 MB

using fathom::bench::Result;

// Median per-launch microseconds of `launches` calls of f(i), captured in one graph.
double timeGraph(const std::function<void(int, cudaStream_t)>& f, int launches, cudaStream_t s)
{
    for (int i = 0; i < launches; ++i)  // warm-up outside the graph (also sets smem attributes)
        f(i, s);
    check(cudaStreamSynchronize(s), "warm-up");
    cudaGraph_t g;
    cudaGraphExec_t ge;
    check(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal), "begin capture");
    for (int i = 0; i < launches; ++i)
        f(i, s);
    check(cudaStreamEndCapture(s, &g), "end capture");
    check(cudaGraphInstantiate(&ge, g, 0), "instantiate");
    cudaEvent_t a, b;
    cudaEventCreate(&a);
    cudaEventCreate(&b);
    std::vector<float> ms;
    for (int r = 0; r < 15; ++r) {
        cudaEventRecord(a, s);
        check(cudaGraphLaunch(ge, s), "graph launch");
        cudaEventRecord(b, s);
        check(cudaEventSynchronize(b), "replay");
        float t = 0;
        cudaEventElapsedTime(&t, a, b);
        ms.push_back(t);
    }
    cudaEventDestroy(a);
    cudaEventDestroy(b);
    cudaGraphExecDestroy(ge);
    cudaGraphDestroy(g);
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2] * 1000.0 / launches;
}

// A plain 16-byte grid-stride copy: the ceiling our own kernels can hope for (cudaMemcpy in a graph
// may run on a copy engine, which is slower than the SMs).
static __global__ void copyKernel(const uint4* __restrict__ a, uint4* __restrict__ b, std::size_t n)
{
    for (std::size_t i = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x; i < n; i += std::size_t(gridDim.x) * blockDim.x)
        b[i] = a[i];
}

double measureCopyGBs(cudaStream_t s)
{
    const std::size_t n = 1ull << 30;
    DevBuf a(n), b(n);
    int sms = 132;
    cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0);
    const double us = timeGraph([&](int, cudaStream_t st) {
        copyKernel<<<sms * 8, 512, 0, st>>>(a.as<uint4>(), b.as<uint4>(), n / 16);
    }, 4, s);
    return 2.0 * n / (us * 1e3);  // bytes read + written
}

// Random bf16 in [-1, 1), a 16 MB host pattern tiled: never time on zeros or constants
// (docs/PERFORMANCE.md, 'How to measure').
void fillRandomBf16(DevBuf& d)
{
    Rng rng(12345);
    const std::vector<float> v = rng.bf16Values(8u << 20, -1, 1);
    std::vector<std::uint16_t> b(v.size());
    for (std::size_t i = 0; i < v.size(); ++i)
        b[i] = toBf16Bits(v[i]);
    for (std::size_t off = 0; off < d.bytes(); off += b.size() * 2)
        check(cudaMemcpy(d.as<char>() + off, b.data(), std::min(b.size() * 2, d.bytes() - off), cudaMemcpyHostToDevice),
              "fill");
}

int copiesFor(std::size_t bytes) { return static_cast<int>(std::max<std::size_t>(4, (kRotateBytes + bytes - 1) / bytes)); }

Result benchGemv(const char* name, int rows, int cols, bool swiglu, cudaStream_t s)
{
    const std::size_t wBytes = std::size_t(rows) * cols * 2;
    const int copies = std::min(copiesFor(wBytes), 64);
    DevBuf w(wBytes * copies), x(std::size_t(cols) * 8), y(std::size_t(rows) * 4);
    Rng rng(7);
    upload(x, rng.floats(std::size_t(cols) * 2, -1, 1));
    fillRandomBf16(w);
    const double us = timeGraph([&](int i, cudaStream_t st) {
        kernels::GemvParams p;
        p.w = w.as<char>() + wBytes * (i % copies);
        p.x = x.get();
        p.x_swiglu = swiglu;
        p.swiglu_up_offset = cols;
        p.y = y.get();
        p.rows = rows;
        p.cols = cols;
        kernels::launchGemv(p, st);
    }, copies, s);
    return {name, std::to_string(rows) + "x" + std::to_string(cols), us, wBytes / (us * 1e3), 0};
}

Result benchCublasGemv(int rows, int cols, cudaStream_t s)
{
    const std::size_t wBytes = std::size_t(rows) * cols * 2;
    const int copies = std::min(copiesFor(wBytes), 64);
    DevBuf w(wBytes * copies), x(std::size_t(cols) * 2), y(std::size_t(rows) * 4);
    fillRandomBf16(w);
    fillRandomBf16(x);
    cublasHandle_t h;
    cublasCreate(&h);
    cublasSetStream(h, s);
    const float one = 1, zero = 0;
    const double us = timeGraph([&](int i, cudaStream_t) {
        cublasGemmEx(h, CUBLAS_OP_T, CUBLAS_OP_N, rows, 1, cols, &one, w.as<char>() + wBytes * (i % copies), CUDA_R_16BF,
                     cols, x.get(), CUDA_R_16BF, cols, &zero, y.get(), CUDA_R_32F, rows, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
    }, copies, s);
    cublasDestroy(h);
    return {"cublas_gemv", std::to_string(rows) + "x" + std::to_string(cols), us, wBytes / (us * 1e3), 0};
}

Result benchMlaDecode(int ctx, cudaStream_t s)
{
    constexpr int kHeads = 16, kWidth = 576, kPage = 64;
    const int pages = (ctx + kPage - 1) / kPage;
    const std::size_t layerBytes = std::size_t(pages) * kPage * kWidth * 2;
    const int copies = std::min(copiesFor(layerBytes), 64);
    DevBuf cache(layerBytes * copies), table(pages * 4), qa(kHeads * 512 * 2), q(kHeads * 192 * 4), last(4);
    fillRandomBf16(cache);
    fillRandomBf16(qa);
    upload(q, Rng(3).floats(kHeads * 192, -1, 1));
    std::vector<std::int32_t> t(pages);
    for (int i = 0; i < pages; ++i)
        t[i] = i;
    uploadRaw(table, t);
    uploadRaw(last, std::vector<std::int32_t>{ctx - 1});
    const inference::cpu::RopeTables tab = inference::cpu::ropeTables(inference::cpu::YarnRope(64, 10000, inference::RopeScaling{}), ctx);
    DevBuf dcos, dsin;
    upload(dcos, tab.cos);
    upload(dsin, tab.sin);
    const int splits = kernels::mlaDecodeSplits(ctx);
    DevBuf po(std::size_t(splits) * kHeads * 512 * 4), ml(std::size_t(splits) * kHeads * 8), out(kHeads * 512 * 4);
    const double us = timeGraph([&](int i, cudaStream_t st) {
        kernels::MlaDecodeParams p;
        p.q_abs = qa.get();
        p.q_pe = q.as<float>() + 128;
        p.q_pe_head_stride = 192;
        p.cos = dcos.as<float>();
        p.sin = dsin.as<float>();
        p.max_position = ctx;
        p.cache = cache.as<char>() + layerBytes * (i % copies);
        p.block_table = table.as<std::int32_t>();
        p.max_blocks = pages;
        p.last_position = last.as<std::int32_t>();
        p.scale = 0.1f;
        p.num_heads = kHeads;
        p.num_splits = splits;
        p.partial_o = po.as<float>();
        p.partial_ml = ml.as<float>();
        p.out = out.as<float>();
        kernels::launchMlaDecode(p, st);
    }, copies, s);
    const double bytes = double(ctx) * kWidth * 2;
    return {"mla_decode", "ctx" + std::to_string(ctx), us, bytes / (us * 1e3), 0};
}

Result benchRmsNorm(cudaStream_t s)
{
    DevBuf h(2048 * 4), d(2048 * 4), w(2048 * 2), o(2048 * 4);
    upload(h, Rng(1).floats(2048, -1, 1));
    upload(d, Rng(2).floats(2048, -1, 1));
    fillRandomBf16(w);
    const double us = timeGraph([&](int, cudaStream_t st) {
        kernels::RmsNormParams p;
        p.residual = h.as<float>();
        p.delta = d.as<float>();
        p.weight = w.get();
        p.out = o.get();
        p.n_rows = 1;
        p.dim = 2048;
        kernels::launchRmsNorm(p, st);
    }, 100, s);
    return {"rmsnorm_add", "1x2048", us, 2048 * 16 / (us * 1e3), 0};
}

Result benchMlaPrefill(int n, cudaStream_t s)
{
    constexpr int kHeads = 16, kWidth = 576, kPage = 64;
    const int pages = (n + kPage - 1) / kPage;
    DevBuf cache(std::size_t(pages) * kPage * kWidth * 2), table(pages * 4), q(std::size_t(n) * kHeads * 192 * 2),
        kvb(std::size_t(kHeads) * 256 * 512 * 2), out(std::size_t(n) * kHeads * 128 * 2);
    for (DevBuf* b : {&cache, &q, &kvb})
        fillRandomBf16(*b);
    std::vector<std::int32_t> t(pages);
    for (int i = 0; i < pages; ++i)
        t[i] = i;
    uploadRaw(table, t);
    const std::size_t wsBytes = kernels::mlaPrefillWorkspaceBytes(n, n, kHeads, 512, 64, 128, 128);
    DevBuf ws(wsBytes);
    cublasHandle_t h;
    cublasCreate(&h);
    const double us = timeGraph([&](int, cudaStream_t st) {
        kernels::MlaPrefillParams p;
        p.q = q.get();
        p.cache = cache.get();
        p.block_table = table.as<std::int32_t>();
        p.max_blocks = pages;
        p.kv_b = kvb.get();
        p.out = out.get();
        p.n_q = n;
        p.num_heads = kHeads;
        p.scale = 0.1f;
        p.workspace = ws.get();
        p.workspace_bytes = wsBytes;
        p.cublas = h;
        kernels::launchMlaPrefill(p, st);
    }, 8, s);
    cublasDestroy(h);
    // Useful FLOPs: kv_b decompression + causal QK (192) and PV (128), counting the causal half.
    const double flops = 2.0 * n * 512 * kHeads * 256 + 2.0 * kHeads * (double(n) * n / 2) * (192 + 128);
    return {"mla_prefill", "n" + std::to_string(n), us, 0, flops / (us * 1e6)};
}

}  // namespace

#include "tests/bench/kernel_bench_quant.h"  // quantized decode rows (uses the helpers above)

int main(int argc, char** argv)
{
    const std::string reason = noDeviceReason();
    if (!reason.empty()) {
        std::printf("{\"skipped\": \"%s\"}\n", reason.c_str());
        return 0;
    }
    try {
        cudaDeviceProp prop{};
        cudaGetDeviceProperties(&prop, 0);
        cudaStream_t s;
        check(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "stream");
        const double copy = measureCopyGBs(s);
        std::vector<Result> r;
        r.push_back(benchGemv("gemv_qkv_a", 3648, 2048, false, s));
        r.push_back(benchGemv("gemv_o_proj", 2048, 2048, false, s));
        r.push_back(benchGemv("gemv", 10944, 2048, false, s));
        r.push_back(benchCublasGemv(10944, 2048, s));
        r.push_back(benchGemv("gemv_gate_up", 21888, 2048, false, s));
        r.push_back(benchGemv("gemv_down_swiglu", 2048, 10944, true, s));
        r.push_back(benchGemv("gemv_shared_gate_up", 5632, 2048, false, s));
        r.push_back(benchGemv("gemv_lm_head", 102400, 2048, false, s));
        r.push_back(benchMlaDecode(4096, s));
        r.push_back(benchMlaDecode(32768, s));
        r.push_back(benchRmsNorm(s));
        r.push_back(benchMlaPrefill(512, s));
        benchQuantized(r, s);
        if (!fathom::bench::moeRows(argc, argv, r))
            return 2;

        std::printf("{\"device\": \"%s\", \"copy_anchor_gbs\": %.0f, \"copy_measured_gbs\": %.0f, \"kernels\": [\n",
                    prop.name, kCopyAnchorGBs, copy);
        for (std::size_t i = 0; i < r.size(); ++i)
            std::printf("  {\"name\": \"%s\", \"shape\": \"%s\", \"us\": %.2f, \"gbs\": %.0f, \"pct_of_copy\": %.1f, \"pct_of_measured_copy\": %.1f, \"tflops\": %.1f%s}%s\n",
                        r[i].name.c_str(), r[i].shape.c_str(), r[i].us, r[i].gbs, 100.0 * r[i].gbs / kCopyAnchorGBs,
                        100.0 * r[i].gbs / copy, r[i].tflops, r[i].extra.c_str(), i + 1 < r.size() ? "," : "");
        std::printf("]}\n");
        std::fprintf(stderr, "%-44s %-14s %10s %10s %8s %8s %8s\n", "kernel", "shape", "us", "GB/s", "%copy", "%meas",
                     "TFLOP/s");
        for (const Result& x : r)
            std::fprintf(stderr, "%-44s %-14s %10.2f %10.0f %8.1f %8.1f %8.1f\n", x.name.c_str(), x.shape.c_str(), x.us,
                         x.gbs, 100.0 * x.gbs / kCopyAnchorGBs, 100.0 * x.gbs / copy, x.tflops);
        std::fprintf(stderr, "copy measured here: %.0f GB/s (anchor %.0f)\n", copy, kCopyAnchorGBs);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "kernel_bench: %s\n", e.what());
        return 2;
    }
    return 0;
}
