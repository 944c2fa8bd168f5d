// kernel_bench's MoE-side rows: the MoE-side kernels on the DeepSeek-V2-Lite shape with distinct random
// weights per layer (more than L2 holds), each case captured in a CUDA graph, reported as bench rows
// with the achieved bandwidth (quantized GGUF cases: moe_rows_quant.cuh). Arguments of kernel_bench:
// [--layers 26] [--reps 20] [--tokens 512].
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "kernels/moe_expert_decode.cuh"
#include "kernels/moe_prefill.cuh"
#include "kernels/moe_route.cuh"
#include "kernels/sampling.cuh"
#include "tests/bench/bench_result.h"

using namespace fathom::kernels;

namespace {


void ok(cudaError_t e, const char* what)
{
    if (e != cudaSuccess) {
        std::fprintf(stderr, "kernel_bench (MoE rows): %s: %s\n", what, cudaGetErrorString(e));
        std::exit(2);
    }
}

template <typename T>
T* alloc(size_t n)
{
    void* p = nullptr;
    ok(cudaMalloc(&p, std::max<size_t>(n, 1) * sizeof(T)), "cudaMalloc");
    return static_cast<T*>(p);
}

// Uniform values in [-scale, scale) from a hash of the index: random data, never zeros.
__global__ void fillBf16(__nv_bfloat16* p, size_t n, float scale, unsigned seed)
{
    for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
        unsigned h = static_cast<unsigned>(i) * 0x9E3779B1u ^ seed ^ static_cast<unsigned>(i >> 32) * 0x85EBCA77u;
        h ^= h >> 15; h *= 0x2C1B3C6Du; h ^= h >> 12; h *= 0x297A2D39u; h ^= h >> 15;
        p[i] = __float2bfloat16((static_cast<float>(h >> 8) * (1.0f / 16777216.0f) * 2.0f - 1.0f) * scale);
    }
}

__global__ void fillF32(float* p, size_t n, float scale, unsigned seed)
{
    for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
        unsigned h = static_cast<unsigned>(i) * 0x9E3779B1u ^ seed;
        h ^= h >> 15; h *= 0x2C1B3C6Du; h ^= h >> 12; h *= 0x297A2D39u; h ^= h >> 15;
        p[i] = (static_cast<float>(h >> 8) * (1.0f / 16777216.0f) * 2.0f - 1.0f) * scale;
    }
}

// Reads n 16-byte words once (the pattern the expert kernel needs) and writes one word per block:
// the read-only bandwidth this card gives a kernel, the fairer ceiling for a weight-streaming op.
__global__ void readOnly(const uint4* p, size_t n, unsigned* sink)
{
    unsigned acc = 0;
    for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
        const uint4 v = __ldg(p + i);
        acc ^= v.x ^ v.y ^ v.z ^ v.w;
    }
    if (acc == 0x12345678u) sink[blockIdx.x] = acc;  // keeps the loads alive; practically never stores
}

struct Timing {
    double median_us, min_us;
};

// Captures `body` once into a graph, replays it `reps` times after a warm-up, median per replay.
Timing timeGraph(cudaStream_t s, int reps, const std::function<void()>& body)
{
    body();  // once eagerly: launchers do their one-time device setup outside the capture
    ok(cudaStreamSynchronize(s), "eager run");
    cudaGraph_t g;
    cudaGraphExec_t ge;
    ok(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal), "begin capture");
    body();
    ok(cudaStreamEndCapture(s, &g), "end capture");
    ok(cudaGraphInstantiate(&ge, g, 0), "instantiate");
    for (int i = 0; i < 3; ++i) ok(cudaGraphLaunch(ge, s), "warm-up");
    ok(cudaStreamSynchronize(s), "warm-up sync");
    cudaEvent_t a, b;
    cudaEventCreate(&a);
    cudaEventCreate(&b);
    std::vector<double> t;
    for (int i = 0; i < reps; ++i) {
        cudaEventRecord(a, s);
        ok(cudaGraphLaunch(ge, s), "replay");
        cudaEventRecord(b, s);
        ok(cudaEventSynchronize(b), "replay sync");
        float ms = 0;
        cudaEventElapsedTime(&ms, a, b);
        t.push_back(ms * 1000.0);
    }
    cudaEventDestroy(a);
    cudaEventDestroy(b);
    cudaGraphExecDestroy(ge);
    cudaGraphDestroy(g);
    std::sort(t.begin(), t.end());
    return {t[t.size() / 2], t[0]};
}

std::vector<fathom::bench::Result>* g_rows = nullptr;  // where emit() puts rows (moeRows' out)
void emit(const std::string& name, const Timing& t, int per, double bytes, double flops, const std::string& extra = "")
{
    const double us = t.median_us / per;
    char minUs[64];
    std::snprintf(minUs, sizeof minUs, ", \"us_min\": %.2f", t.min_us / per);
    g_rows->push_back({name, "", us, bytes / us * 1e-3, flops / us * 1e-6, minUs + extra});
}

}  // namespace

#include "tests/bench/moe_rows_quant.cuh"  // quantized cases: dequantize, qmoe_prefill (uses the helpers above)

bool fathom::bench::moeRows(int argc, char** argv, std::vector<Result>& rows)
{
    g_rows = &rows;
    int layers = 26, reps = 20, tokens = 512;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--layers")) layers = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--reps")) reps = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--tokens")) tokens = std::atoi(argv[i + 1]);
        else { std::fprintf(stderr, "usage: kernel_bench [--layers N] [--reps N] [--tokens N]\n"); return false; }
    }
    int n_dev = 0;
    if (cudaGetDeviceCount(&n_dev) != cudaSuccess || n_dev == 0) {
        std::fprintf(stderr, "kernel_bench: no CUDA device\n");
        return false;
    }

    cudaDeviceProp prop;
    ok(cudaGetDeviceProperties(&prop, 0), "properties");

    // V2-Lite: hidden 2048, 64 routed experts of 1408 + 2 shared, top-6, vocab 102400.
    const int H = 2048, I = 1408, R = 64, K = 6, SH = 2, E = R + SH, S = K + SH, V = 102400;
    const size_t w13_n = size_t(E) * 2 * I * H, w2_n = size_t(E) * H * I;
    cudaStream_t s;
    ok(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "stream");

    // Copy ceiling on this card: 2 GiB device-to-device, bytes read + written.
    {
        const size_t n = size_t(1) << 31;
        char* a = alloc<char>(n);
        char* b = alloc<char>(n);
        ok(cudaMemsetAsync(a, 1, n, s), "memset");
        const Timing t = timeGraph(s, reps, [&] { ok(cudaMemcpyAsync(b, a, n, cudaMemcpyDeviceToDevice, s), "copy"); });
        emit("copy_d2d_2GiB", t, 1, 2.0 * n, 0);
        cudaFree(a);
        cudaFree(b);
    }

    std::vector<__nv_bfloat16*> w13(layers), w2(layers), gate(layers);
    std::vector<float*> gate32(layers);  // the router's fp32 gate (moe_route); the fused kernel reads bf16
    for (int l = 0; l < layers; ++l) {
        w13[l] = alloc<__nv_bfloat16>(w13_n);
        w2[l] = alloc<__nv_bfloat16>(w2_n);
        gate[l] = alloc<__nv_bfloat16>(size_t(R) * H);
        fillBf16<<<4096, 256, 0, s>>>(w13[l], w13_n, 0.03f, 3 * l + 1);
        fillBf16<<<4096, 256, 0, s>>>(w2[l], w2_n, 0.03f, 3 * l + 2);
        fillBf16<<<256, 256, 0, s>>>(gate[l], size_t(R) * H, 0.1f, 3 * l + 3);
        gate32[l] = alloc<float>(size_t(R) * H);
        fillF32<<<256, 256, 0, s>>>(gate32[l], size_t(R) * H, 0.1f, 3 * l + 3);
    }
    __nv_bfloat16* x = alloc<__nv_bfloat16>(size_t(tokens) * H);
    fillBf16<<<256, 256, 0, s>>>(x, size_t(tokens) * H, 1.0f, 777);
    float* x32 = alloc<float>(size_t(tokens) * H);
    fillF32<<<256, 256, 0, s>>>(x32, size_t(tokens) * H, 1.0f, 777);
    float* out = alloc<float>(size_t(tokens) * H);
    float* logits = alloc<float>(size_t(tokens) * R);
    int* counters = alloc<int>(tokens);
    int* ids = alloc<int>(size_t(layers) * tokens * K);
    float* wts = alloc<float>(size_t(layers) * tokens * K);
    float* h_ws = alloc<float>(size_t(S) * I);
    int* sync_ws = alloc<int>(8);
    ok(cudaMemsetAsync(counters, 0, sizeof(int) * tokens, s), "memset");
    ok(cudaMemsetAsync(sync_ws, 0, 32, s), "memset");
    ok(cudaMemsetAsync(out, 0, sizeof(float) * tokens * H, s), "memset");
    {  // distinct random experts per layer and token
        std::mt19937 rng(1234);
        std::vector<int> hid(size_t(layers) * tokens * K), perm(R);
        std::vector<float> hw(hid.size());
        for (size_t r = 0; r < hid.size() / K; ++r) {
            for (int e = 0; e < R; ++e) perm[e] = e;
            std::shuffle(perm.begin(), perm.end(), rng);
            for (int k = 0; k < K; ++k) { hid[r * K + k] = perm[k]; hw[r * K + k] = 0.1f + 0.1f * k; }
        }
        ok(cudaMemcpy(ids, hid.data(), hid.size() * 4, cudaMemcpyHostToDevice), "ids");
        ok(cudaMemcpy(wts, hw.data(), hw.size() * 4, cudaMemcpyHostToDevice), "weights");
    }
    ok(cudaStreamSynchronize(s), "fill");

    auto decodeParams = [&](int l, int* lid, float* lw) {
        MoeExpertDecodeParams p;
        p.x = x; p.w13 = w13[l]; p.w2 = w2[l]; p.topk_ids = lid; p.topk_weights = lw;
        p.out_f32 = out; p.accumulate = 1; p.h_ws = h_ws; p.sync_ws = sync_ws;
        p.hidden = H; p.inter = I; p.n_routed = R; p.top_k = K; p.n_shared_slots = SH;
        return p;
    };
    auto routeParams = [&](int l, int n_tokens, int* oid, float* ow) {
        MoeRouteParams p;
        p.x = x32; p.gate_w = gate32[l]; p.logits = logits; p.counters = counters; p.topk_ids = oid; p.topk_weights = ow;
        p.n_tokens = n_tokens; p.hidden = H; p.n_routed = R; p.top_k = K;
        return p;
    };
    const double expert_bytes = double(S) * 3 * I * H * 2;  // what one decode token must read
    const double expert_flops = double(S) * 3 * I * H * 2;

    {  // read-only streaming of one layer's worth of expert bytes, over distinct layers like the kernel
        unsigned* sink = alloc<unsigned>(4096);
        const size_t words = size_t(expert_bytes) / 16;
        emit("read_only_stream_x" + std::to_string(layers) + "_layers",
             timeGraph(s, reps, [&] {
                 for (int l = 0; l < layers; ++l)
                     readOnly<<<4 * prop.multiProcessorCount, 512, 0, s>>>(reinterpret_cast<const uint4*>(w13[l]), words, sink);
             }),
             layers, double(words) * 16, 0);
        cudaFree(sink);
    }
    emit("expert_decode_x" + std::to_string(layers) + "_layers",
         timeGraph(s, reps, [&] { for (int l = 0; l < layers; ++l) launchMoeExpertDecode(decodeParams(l, ids + l * K, wts + l * K), s); }),
         layers, expert_bytes, expert_flops);
    emit("route_decode_x" + std::to_string(layers),
         timeGraph(s, reps, [&] { for (int l = 0; l < layers; ++l) launchMoeRoute(routeParams(l, 1, ids + l * K, wts + l * K), s); }),
         layers, double(R) * H * 4, double(R) * H * 2);
    emit("moe_layer_decode(route+experts)_x" + std::to_string(layers),
         timeGraph(s, reps, [&] {
             for (int l = 0; l < layers; ++l) {
                 launchMoeRoute(routeParams(l, 1, ids + l * K, wts + l * K), s);
                 launchMoeExpertDecode(decodeParams(l, ids + l * K, wts + l * K), s);
             }
         }),
         layers, expert_bytes + double(R) * H * 4, expert_flops);

    {  // the same layers with the routing fused into the expert launch (one kernel per MoE layer)
        float* lws = alloc<float>(R);
        emit("moe_layer_decode_fused_x" + std::to_string(layers),
             timeGraph(s, reps, [&] {
                 for (int l = 0; l < layers; ++l) {
                     MoeExpertDecodeParams p = decodeParams(l, ids + l * K, wts + l * K);
                     p.gate_w = gate32[l];
                     p.x_f32 = x32;
                     p.logits_ws = lws;
                     launchMoeExpertDecode(p, s);
                 }
             }),
             layers, expert_bytes + double(R) * H * 2, expert_flops);
        cudaFree(lws);
    }

    {  // dense layer-0 MLP (intermediate 10944) through the same kernel: one shared slot, no routing
        const int DI = 10944;
        float* dh = alloc<float>(DI);
        emit("dense_mlp_decode_10944_x" + std::to_string(layers),
             timeGraph(s, reps, [&] {
                 for (int l = 0; l < layers; ++l) {  // distinct weights per launch, carved from the expert buffers
                     MoeExpertDecodeParams p;
                     p.x = x; p.w13 = w13[l]; p.w2 = w2[l]; p.out_f32 = out; p.accumulate = 1; p.h_ws = dh;
                     p.sync_ws = sync_ws; p.hidden = H; p.inter = DI; p.n_shared_slots = 1;
                     launchMoeExpertDecode(p, s);
                 }
             }),
             layers, 3.0 * DI * H * 2, 3.0 * DI * H * 2);
        cudaFree(dh);
    }

    // Prefill: `tokens` tokens through one layer's 66 experts (all weights read at least once).
    {
        const size_t A = size_t(tokens) * S;
        int* sorted = alloc<int>(A);
        int* slot_pos = alloc<int>(A);
        int* offs = alloc<int>(E + 1);
        int* toffs = alloc<int>(E + 1);
        __nv_bfloat16* hb = alloc<__nv_bfloat16>(A * I);
        __nv_bfloat16* yb = alloc<__nv_bfloat16>(A * H);
        const int pl = std::min(layers, 4);
        const Timing t = timeGraph(s, reps, [&] {
            for (int l = 0; l < pl; ++l) {
                MoePrefillParams p;
                p.x = x; p.w13 = w13[l]; p.w2 = w2[l]; p.topk_ids = ids + size_t(l) * tokens * K;
                p.topk_weights = wts + size_t(l) * tokens * K; p.out_f32 = out; p.accumulate = 1;
                p.ws_sorted_token = sorted; p.ws_slot_pos = slot_pos; p.ws_offsets = offs; p.ws_tile_offsets = toffs;
                p.ws_h = hb; p.ws_y = yb; p.n_tokens = tokens; p.hidden = H; p.inter = I; p.n_routed = R; p.top_k = K;
                p.n_shared_slots = SH;
                launchMoePrefill(p, s);
            }
        });
        const double flops = double(A) * 3 * I * H * 2;
        char extra[96];
        std::snprintf(extra, sizeof extra, ", \"tokens\": %d, \"layer_tok_per_s\": %.0f", tokens,
                      tokens / (t.median_us / pl) * 1e6);
        emit("moe_prefill_" + std::to_string(tokens) + "_tokens", t, pl, double(w13_n + w2_n) * 2, flops, extra);
        cudaFree(sorted); cudaFree(slot_pos); cudaFree(offs); cudaFree(toffs); cudaFree(hb); cudaFree(yb);
    }
    // The same prefill on GGUF Q4_K_M blocks (and lm_head-sized dequantize rows): moe_rows_quant.cuh.
    quantbench::run(s, reps, tokens, std::min(layers, 4), ids, wts, out, x);

    // Sampling over the V2 vocabulary (the decode graph's last node), one launch per token.
    {
        float* lg = alloc<float>(V);
        int* tok = alloc<int>(1);
        SamplingSettings* st = alloc<SamplingSettings>(1);
        void* scratch = alloc<unsigned char>(samplingScratchBytes());
        ok(cudaMemsetAsync(scratch, 0, samplingScratchBytes(), s), "memset");
        fillF32<<<256, 256, 0, s>>>(lg, V, 8.0f, 99);
        auto bench = [&](const char* name, float t, int k, float pp, float rep) {
            SamplingSettings h;
            h.temperature = t;
            h.top_k = k;
            h.top_p = pp;
            h.repetition_penalty = rep;
            h.n_recent = rep != 1.f ? kSamplingWindow : 0;
            for (int i = 0; i < kSamplingWindow; ++i) h.recent[i] = (i * 7919) % V;
            h.seed = 7;
            ok(cudaMemcpyAsync(st, &h, sizeof h, cudaMemcpyHostToDevice, s), "settings");
            ok(cudaStreamSynchronize(s), "settings");
            const SamplingParams p{lg, V, st, tok, scratch};
            emit(name, timeGraph(s, reps, [&] { for (int i = 0; i < 10; ++i) launchSampling(p, s); }), 10, double(V) * 4, 0);
        };
        bench("sampling_greedy_102400", 0.f, 0, 1.f, 1.f);
        bench("sampling_temp1_102400", 1.f, 0, 1.f, 1.f);
        bench("sampling_topk50_topp0.9_102400", 0.8f, 50, 0.9f, 1.f);
        bench("sampling_topp0.95_temp0.7_102400", 0.7f, 0, 0.95f, 1.f);
        bench("sampling_topk40_topp0.95_penalty256_102400", 0.7f, 40, 0.95f, 1.1f);
    }
    ok(cudaDeviceSynchronize(), "final sync");
    return true;
}
