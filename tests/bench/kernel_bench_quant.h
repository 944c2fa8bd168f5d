// kernel_bench rows of the quantized decode kernels (issue #13): qgemv for each GGUF type on the
// V2-Lite shapes, qembedding, and the fused qmoe_decode of one V2-Lite MoE layer. GB/s counts the
// packed weight bytes plus the activations read; the caller prints it against the measured copy.
// Included by kernel_bench.cu only (it shares timeGraph, copiesFor and Result).
#pragma once

#include "kernels/qembedding.cuh"
#include "kernels/qgemv.cuh"
#include "kernels/qmoe_decode.cuh"
#include "kernels/quantize_x8.cuh"
#include "tests/gpu/quant_gpu_util.h"

namespace {

using fathom::kernels::WType;

// `copies` device copies of one random packed matrix, back to back (rotated through so no replay
// finds its weights in L2).
struct PackedCopies {
    fathom::quanttest::PackedMatrix host;
    DevBuf dev;
    std::size_t bytes = 0;
    int copies = 1;
    PackedCopies(WType t, int rows, int cols, int nCopies, std::uint64_t seed)
    {
        Rng rng(seed);
        host = fathom::quanttest::randomPacked(t, rows, cols, rng);
        bytes = host.bytes.size();
        copies = nCopies;
        dev.resize(bytes * copies);
        for (int c = 0; c < copies; ++c)
            check(cudaMemcpy(dev.as<char>() + bytes * c, host.bytes.data(), bytes, cudaMemcpyHostToDevice), "upload packed");
    }
    fathom::kernels::QMatrix at(int i) const
    {
        fathom::kernels::QMatrix m = host.host();
        m.data = dev.as<char>() + bytes * (i % copies);
        return m;
    }
};

std::string qShape(WType t, int rows, int cols)
{
    return std::string(fathom::kernels::wtypeName(t)) + " " + std::to_string(rows) + "x" + std::to_string(cols);
}

// int8: QGemvParams::int8_x (kernels/qdot8.cuh); the row's name gets "_int8".
// xq8: x quantized once beforehand (QGemvParams::x_q8, as the decode step does; the quantization's
// own time is the quantize_x8 row); the name gets "_xq8".
Result benchQGemv(const char* name, WType t, int rows, int cols, bool swiglu, cudaStream_t s, bool int8 = false,
                  bool xq8 = false)
{
    const std::size_t wBytes = static_cast<std::size_t>(fathom::kernels::wtypeRowBytes(t, cols)) * rows;
    PackedCopies w(t, rows, cols, std::min(copiesFor(wBytes), 64), 11);
    DevBuf x(std::size_t(cols) * 8), y(std::size_t(rows) * 4), q8(std::size_t(cols) / 32 * 40 + 16);
    upload(x, Rng(7).floats(std::size_t(cols) * 2, -1, 1));
    if (xq8) {
        kernels::QuantizeX8Params q{x.as<float>(), q8.get(), cols};
        kernels::launchQuantizeX8(q, s);
    }
    const double us = timeGraph([&](int i, cudaStream_t st) {
        kernels::QGemvParams p;
        p.w = w.at(i);
        p.x = x.as<float>();
        p.x_swiglu = swiglu;
        p.swiglu_up_offset = swiglu ? cols : 0;
        p.y = y.as<float>();
        p.int8_x = int8;
        p.x_q8 = xq8 ? q8.get() : nullptr;
        kernels::launchQGemv(p, st);
    }, w.copies, s);
    const double bytes = double(wBytes) + (xq8 ? cols / 32 * 40.0 : double(cols) * 4 * (swiglu ? 2 : 1)) + double(rows) * 4;
    return {std::string(name) + (int8 ? "_int8" : "") + (xq8 ? "_xq8" : ""), qShape(t, rows, cols), us, bytes / (us * 1e3), 0};
}

// x quantized to int8 per 32 once (kernels/quantize_x8): what the decode step adds before o_proj.
Result benchQuantizeX8(int n, cudaStream_t s)
{
    DevBuf x(std::size_t(n) * 4), q8(std::size_t(n) / 32 * 40 + 16);
    upload(x, Rng(8).floats(n, -1, 1));
    const double us = timeGraph([&](int, cudaStream_t st) {
        kernels::QuantizeX8Params q{x.as<float>(), q8.get(), n};
        kernels::launchQuantizeX8(q, st);
    }, 100, s);
    return {"quantize_x8", std::to_string(n), us, (n * 4.0 + n / 32 * 40.0) / (us * 1e3), 0};
}

Result benchQEmbedding(WType t, cudaStream_t s)
{
    constexpr int kVocab = 102400, kDim = 2048;
    PackedCopies table(t, kVocab, kDim, 1, 13);
    DevBuf ids, out(kDim * 4);
    uploadRaw(ids, std::vector<std::int32_t>{4711});
    const double us = timeGraph([&](int, cudaStream_t st) {
        kernels::QEmbeddingParams p{table.at(0), ids.as<std::int32_t>(), out.as<float>(), 1};
        kernels::launchQEmbedding(p, st);
    }, 100, s);
    const double bytes = double(fathom::kernels::wtypeRowBytes(t, kDim)) + kDim * 4;  // one row read, one written
    return {"qembedding", qShape(t, kVocab, kDim) + " 1 token", us, bytes / (us * 1e3), 0};
}

// One V2-Lite MoE layer on one decode token (hidden 2048, 64 routed experts of 1408, top-6, shared
// expert 2816 wide), fused routing, accumulating into the residual; or the dense layer 0 (shared
// only, 10944 wide). Bytes: the chosen experts' (6 distinct ids assumed; random routing rarely
// repeats) and the shared expert's packed weights, the fp32 router and x.
Result benchQMoeDecode(const char* name, WType gateUp, WType down, WType sharedGateUp, WType sharedDown, bool dense,
                       cudaStream_t s, bool int8 = false, bool xq8 = false)
{
    constexpr int kHidden = 2048, kRouted = 64, kTopK = 6, kInter = 1408;
    const int sharedInter = dense ? 10944 : 2816;
    const int nRouted = dense ? 0 : kRouted, topK = dense ? 0 : kTopK;
    const std::size_t layerBytes =  // all 64 routed experts of one layer
        dense ? 0
              : std::size_t(kRouted) * kInter * 2 * fathom::kernels::wtypeRowBytes(gateUp, kHidden) +
                    std::size_t(kRouted) * kHidden * fathom::kernels::wtypeRowBytes(down, kInter);
    const int copies = dense ? 16 : std::max(2, std::min(copiesFor(layerBytes), 4));
    std::unique_ptr<PackedCopies> g, u, d;
    if (!dense) {
        g = std::make_unique<PackedCopies>(gateUp, kRouted * kInter, kHidden, copies, 21);
        u = std::make_unique<PackedCopies>(gateUp, kRouted * kInter, kHidden, copies, 22);
        d = std::make_unique<PackedCopies>(down, kRouted * kHidden, kInter, copies, 23);
    }
    PackedCopies sg(sharedGateUp, sharedInter, kHidden, copies, 24), su(sharedGateUp, sharedInter, kHidden, copies, 25),
        sd(sharedDown, kHidden, sharedInter, copies, 26);
    DevBuf x, gate, out(kHidden * 4), ids(64), weights(64), logits(kRouted * 4), sync(32),
        h(std::size_t(kTopK * kInter + sharedInter) * 4);
    upload(x, Rng(1).floats(kHidden, -1, 1));
    DevBuf q8(kHidden / 32 * 40 + 16);
    if (xq8) {
        kernels::QuantizeX8Params q{x.as<float>(), q8.get(), kHidden};
        kernels::launchQuantizeX8(q, s);
    }
    upload(gate, Rng(2).floats(std::size_t(kRouted) * kHidden, -0.05f, 0.05f));
    upload(out, std::vector<float>(kHidden, 0.f));
    check(cudaMemset(sync.get(), 0, 32), "zero sync");
    const double us = timeGraph([&](int i, cudaStream_t st) {
        kernels::QMoeDecodeParams p;
        p.x = x.as<float>();
        if (!dense) {
            p.routed = {g->at(i), u->at(i), d->at(i), kInter};
            p.gate_w = gate.as<float>();
            p.logits_ws = logits.as<float>();
        }
        p.shared = {sg.at(i), su.at(i), sd.at(i), sharedInter};
        p.n_shared = 1;
        p.topk_ids = ids.as<int>();
        p.topk_weights = weights.as<float>();
        p.out = out.as<float>();
        p.accumulate = 1;
        p.h_ws = h.as<float>();
        p.sync_ws = sync.as<int>();
        p.hidden = kHidden;
        p.n_routed = nRouted;
        p.top_k = topK;
        p.int8_x = int8;
        p.x_q8 = xq8 ? q8.get() : nullptr;
        kernels::launchQMoeDecode(p, st);
    }, copies * 4, s);
    const double expert = dense ? 0.0
                                : 2.0 * kInter * fathom::kernels::wtypeRowBytes(gateUp, kHidden) +
                                      double(kHidden) * fathom::kernels::wtypeRowBytes(down, kInter);
    const double bytes = topK * expert + double(sg.bytes + su.bytes + sd.bytes) +
                         (dense ? 0.0 : double(kRouted) * kHidden * 4) + kHidden * 4.0 * 2;
    std::string shape = dense ? qShape(sharedGateUp, sharedInter, kHidden) + " dense, down " +
                                    fathom::kernels::wtypeName(sharedDown)
                              : std::string(fathom::kernels::wtypeName(gateUp)) + "/" +
                                    fathom::kernels::wtypeName(down) + " top6 + shared " +
                                    fathom::kernels::wtypeName(sharedGateUp) + "/" +
                                    fathom::kernels::wtypeName(sharedDown);
    return {std::string(name) + (int8 ? "_int8" : "") + (xq8 ? "_xq8" : ""), shape, us, bytes / (us * 1e3), 0};
}

// Every quantized row, in the order they print. The types with an int8-activation path (Q8_0,
// Q5_0, Q4_K, Q6_K) get a "_int8" row after each fp32 one.
void benchQuantized(std::vector<Result>& r, cudaStream_t s)
{
    for (WType t : {WType::Q8_0, WType::Q4_0, WType::Q4_1, WType::Q5_0, WType::Q5_1, WType::Q4_K, WType::Q5_K,
                    WType::Q6_K, WType::BF16, WType::F16}) {
        const bool int8 = t == WType::Q8_0 || t == WType::Q5_0 || t == WType::Q4_K || t == WType::Q6_K;
        auto row = [&](const char* name, int rows, int cols, bool swiglu) {
            r.push_back(benchQGemv(name, t, rows, cols, swiglu, s));
            if (int8)
                r.push_back(benchQGemv(name, t, rows, cols, swiglu, s, true));
        };
        row("qgemv_qkv_a", 3648, 2048, false);
        row("qgemv_o_proj", 2048, 2048, false);
        row("qgemv_gate_up", 21888, 2048, false);
        if (fathom::kernels::wtypeBlockElements(t) != 256)  // 10944 is no multiple of 256
            row("qgemv_down_swiglu", 2048, 10944, true);
        row("qgemv_lm_head", 102400, 2048, false);
    }
    // The shared expert's down projection (2816 wide: x in shared memory), the Q4_K_M Q6_K case.
    r.push_back(benchQGemv("qgemv_shexp_down_swiglu", WType::Q6_K, 2048, 2816, true, s));
    r.push_back(benchQGemv("qgemv_shexp_down_swiglu", WType::Q6_K, 2048, 2816, true, s, true));
    // The decode step's int8 path: x quantized once (by the norm, or quantize_x8 before o_proj).
    r.push_back(benchQuantizeX8(2048, s));
    for (WType t : {WType::Q4_K, WType::Q6_K, WType::Q8_0}) {
        r.push_back(benchQGemv("qgemv_q_proj", t, 3072, 2048, false, s, true, true));
        r.push_back(benchQGemv("qgemv_kv_a", t, 576, 2048, false, s, true, true));
        r.push_back(benchQGemv("qgemv_o_proj", t, 2048, 2048, false, s, true, true));
        r.push_back(benchQGemv("qgemv_lm_head", t, 102400, 2048, false, s, true, true));
    }
    for (WType t : {WType::Q4_K, WType::Q6_K, WType::Q8_0})
        r.push_back(benchQEmbedding(t, s));
    for (bool int8 : {false, true}) {  // fp32 rows as before, then the same layers with int8_x
        r.push_back(benchQMoeDecode("qmoe_decode", WType::Q4_K, WType::Q5_0, WType::Q4_K, WType::Q6_K, false, s, int8));
        r.push_back(benchQMoeDecode("qmoe_decode", WType::Q4_K, WType::Q8_0, WType::Q4_K, WType::Q4_K, false, s, int8));
        r.push_back(benchQMoeDecode("qmoe_decode", WType::Q8_0, WType::Q8_0, WType::Q8_0, WType::Q8_0, false, s, int8));
        r.push_back(benchQMoeDecode("qmoe_decode_dense", WType::Q4_K, WType::Q5_0, WType::Q4_K, WType::Q5_0, true, s, int8));
        r.push_back(benchQMoeDecode("qmoe_decode_dense", WType::Q8_0, WType::Q8_0, WType::Q8_0, WType::Q8_0, true, s, int8));
    }
    r.push_back(benchQMoeDecode("qmoe_decode", WType::Q4_K, WType::Q5_0, WType::Q4_K, WType::Q6_K, false, s, true, true));
    r.push_back(benchQMoeDecode("qmoe_decode", WType::Q4_K, WType::Q8_0, WType::Q4_K, WType::Q4_K, false, s, true, true));
}

}  // namespace
