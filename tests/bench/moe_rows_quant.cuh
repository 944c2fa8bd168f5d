// kernel_bench's quantized MoE-side cases (GGUF blocks on the GPU): dequantize of lm_head-sized matrices
// of each type, and qmoe_prefill at V2-Lite's Q4_K_M shapes with 512 tokens. Included by
// moe_rows.cu only, after its helpers (timeGraph, emit, alloc, ok).
#pragma once

#include "kernels/dequantize.cuh"
#include "kernels/qmoe_prefill.cuh"

namespace quantbench {

using namespace fathom::kernels;

// Random bytes with every f16 scale field set to a finite 2^-7..2^-3 (hash of the index): valid
// blocks whose values do not matter for timing, never NaN or Inf.
__global__ void fillBlocks(unsigned char* p, size_t n_blocks, int block_bytes, int f0, int f1, unsigned seed)
{
    for (size_t b = blockIdx.x * size_t(blockDim.x) + threadIdx.x; b < n_blocks; b += size_t(gridDim.x) * blockDim.x) {
        unsigned char* blk = p + b * block_bytes;
        unsigned h = static_cast<unsigned>(b) * 0x9E3779B1u ^ seed;
        for (int i = 0; i < block_bytes; ++i) {
            h ^= h >> 15; h *= 0x2C1B3C6Du; h ^= h >> 12;
            blk[i] = static_cast<unsigned char>(h >> 24);
        }
        const int fields[2] = {f0, f1};
        for (int f = 0; f < 2; ++f) {
            if (fields[f] < 0) continue;
            h ^= h >> 13; h *= 0x297A2D39u;
            const unsigned short bits = static_cast<unsigned short>(((8 + (h >> 30)) << 10) | ((h >> 8) & 0x3ff));
            blk[fields[f]] = static_cast<unsigned char>(bits & 0xff);
            blk[fields[f] + 1] = static_cast<unsigned char>(bits >> 8);
        }
    }
}

// A device matrix of `t` with random valid blocks (bf16 / f16 / f32 get plain random bits of small values).
inline QMatrix randomMatrix(WType t, int rows, int cols, unsigned seed, cudaStream_t s)
{
    QMatrix m{nullptr, t, rows, cols, wtypeRowBytes(t, cols)};
    const size_t bytes = size_t(rows) * m.row_bytes;
    unsigned char* p = alloc<unsigned char>(bytes);
    const int bb = wtypeBlockBytes(t);
    int f0 = -1, f1 = -1;
    switch (t) {
    case WType::Q8_0: case WType::Q4_0: case WType::Q5_0: f0 = 0; break;
    case WType::Q4_1: case WType::Q5_1: case WType::Q4_K: case WType::Q5_K: f0 = 0; f1 = 2; break;
    case WType::Q6_K: f0 = 208; break;
    default: break;
    }
    if (t == WType::BF16 || t == WType::F16 || t == WType::F32) {
        fillBf16<<<4096, 256, 0, s>>>(reinterpret_cast<__nv_bfloat16*>(p), bytes / 2, 0.03f, seed);  // finite as f16 too
    } else {
        fillBlocks<<<4096, 256, 0, s>>>(p, bytes / bb, bb, f0, f1, seed);
    }
    m.data = p;
    return m;
}

// ids / wts: routing of at least `layers` layers of `tokens` tokens (moe_rows.cu's random routing).
inline void run(cudaStream_t s, int reps, int tokens, int layers, const int* ids, const float* wts, float* out,
                const __nv_bfloat16* x)
{
    const char* names[] = {"f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q4_k", "q5_k", "q6_k"};
    // dequantize: lm_head [102400, 2048] in chunks of 8192 rows (12 chunks per replay, > L2).
    {
        const int V = 102400, H = 2048, chunk = 8192, n_chunks = 12;
        __nv_bfloat16* tile = alloc<__nv_bfloat16>(size_t(chunk) * H);
        const WType types[] = {WType::Q4_K, WType::Q5_K, WType::Q6_K, WType::Q8_0, WType::Q5_0, WType::Q4_0, WType::BF16};
        for (WType t : types) {
            const QMatrix m = randomMatrix(t, V, H, 17 + static_cast<unsigned>(t), s);
            ok(cudaStreamSynchronize(s), "fill");
            const Timing tm = timeGraph(s, reps, [&] {
                for (int c = 0; c < n_chunks; ++c)
                    launchDequantize(DequantizeParams{m, tile, H, c * chunk, chunk}, s);
            });
            const double bytes = double(chunk) * (m.row_bytes + 2.0 * H);  // packed read + bf16 write
            emit(std::string("dequantize_") + names[static_cast<int>(t)] + "_8192x2048", tm, n_chunks, bytes, 0);
            cudaFree(const_cast<void*>(m.data));
        }
        cudaFree(tile);
    }

    // qmoe_prefill: V2-Lite MoE layer at Q4_K_M (routed gate/up Q4_K, down Q5_0 or Q8_0; shared gate/up
    // Q4_K, down Q6_K), `layers` distinct layers per replay; and the dense layer 0 (inter 10944).
    const int H = 2048, I = 1408, R = 64, K = 6, SI = 2816, DI = 10944;
    const size_t A = size_t(tokens) * K;
    int* sorted = alloc<int>(A);
    int* slot_pos = alloc<int>(A);
    int* offs = alloc<int>(R + 1);
    int* toffs = alloc<int>(R + 1);
    __nv_bfloat16* hb = alloc<__nv_bfloat16>(std::max(qmoePrefillHElements(tokens, K, I, 1, SI), size_t(tokens) * DI));
    __nv_bfloat16* yb = alloc<__nv_bfloat16>((A + tokens) * H);
    auto bench = [&](const std::string& name, WType routed_down, int layers_, bool dense) {
        std::vector<QMoeGroup> routed(layers_), shared(layers_);
        double bytes = 0;
        for (int l = 0; l < layers_; ++l) {
            const unsigned sd = 1000 + 10 * l;
            if (!dense)
                routed[l] = QMoeGroup{randomMatrix(WType::Q4_K, R * I, H, sd, s), randomMatrix(WType::Q4_K, R * I, H, sd + 1, s),
                                      randomMatrix(routed_down, R * H, I, sd + 2, s), I};
            const int si = dense ? DI : SI;
            shared[l] = QMoeGroup{randomMatrix(WType::Q4_K, si, H, sd + 3, s), randomMatrix(WType::Q4_K, si, H, sd + 4, s),
                                  randomMatrix(dense ? WType::Q5_0 : WType::Q6_K, H, si, sd + 5, s), si};
        }
        for (const QMoeGroup* g : {&routed[0], &shared[0]})
            if (g->gate.data)
                bytes += double(g->gate.rows) * g->gate.row_bytes * 2 + double(g->down.rows) * g->down.row_bytes;
        ok(cudaStreamSynchronize(s), "fill");
        const Timing t = timeGraph(s, reps, [&] {
            for (int l = 0; l < layers_; ++l) {
                QMoePrefillParams p;
                p.x = x;
                p.routed = routed[l];
                p.shared = shared[l];
                p.has_shared = 1;
                p.topk_ids = dense ? nullptr : ids + size_t(l) * tokens * K;
                p.topk_weights = dense ? nullptr : wts + size_t(l) * tokens * K;
                p.out_f32 = out;
                p.accumulate = 1;
                p.ws_sorted_token = sorted; p.ws_slot_pos = slot_pos; p.ws_offsets = offs; p.ws_tile_offsets = toffs;
                p.ws_h = hb; p.ws_y = yb;
                p.n_tokens = tokens; p.hidden = H; p.n_routed = dense ? 0 : R; p.top_k = dense ? 0 : K;
                launchQMoePrefill(p, s);
            }
        });
        const double flops = dense ? double(tokens) * 3 * DI * H * 2 : (double(A) * 3 * I * H + double(tokens) * 3 * SI * H) * 2;
        char extra[160];
        // layer_tok_per_s: tokens / one layer's time; x26_tok_per_s: the 26 MoE layers of V2-Lite alone.
        std::snprintf(extra, sizeof extra, ", \"tokens\": %d, \"layer_tok_per_s\": %.0f, \"x26_tok_per_s\": %.0f", tokens,
                      tokens / (t.median_us / layers_) * 1e6, tokens / (26.0 * t.median_us / layers_) * 1e6);
        emit(name, t, layers_, bytes, flops, extra);
        for (int l = 0; l < layers_; ++l)
            for (const QMoeGroup* g : {&routed[l], &shared[l]})
                for (const QMatrix* m : {&g->gate, &g->up, &g->down})
                    if (m->data) cudaFree(const_cast<void*>(m->data));
    };
    bench("qmoe_prefill_q4_k_m_q5_0_down_" + std::to_string(tokens) + "_tokens", WType::Q5_0, layers, false);
    bench("qmoe_prefill_q4_k_m_q8_0_down_" + std::to_string(tokens) + "_tokens", WType::Q8_0, layers, false);
    bench("qmoe_prefill_dense_10944_q4_k_q5_0_" + std::to_string(tokens) + "_tokens", WType::Q5_0, layers, true);
    cudaFree(sorted); cudaFree(slot_pos); cudaFree(offs); cudaFree(toffs); cudaFree(hb); cudaFree(yb);
}

}  // namespace quantbench
