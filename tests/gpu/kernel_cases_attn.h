// The attention-side rows of kernel_ops_test: for each op a Shape (printable) and a Case that draws fresh
// inputs, runs the CUDA launcher and the CPU twin on the same (bf16-rounded) numbers.
#pragma once

#include "kernels/embedding.cuh"
#include "kernels/gemv.cuh"
#include "kernels/mla_decode.cuh"
#include "kernels/mla_kv_append.cuh"
#include "kernels/mla_prefill.cuh"
#include "kernels/quantize_x8.cuh"
#include "kernels/rmsnorm.cuh"
#include "kernels/rope.cuh"
#include "kernels/twins/embedding_twin.h"
#include "kernels/twins/gemv_twin.h"
#include "kernels/twins/mla_decode_generic_twin.h"
#include "kernels/twins/mla_kv_append_twin.h"
#include "kernels/twins/mla_prefill_twin.h"
#include "kernels/twins/quantize_x8_twin.h"
#include "kernels/twins/rmsnorm_twin.h"
#include "inference/cpu/rope.h"
#include "kernels/twins/rope_twin.h"
#include "tests/gpu/attn_gpu_util.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace fathom::attntest {

struct OpOutputs {
    std::vector<float> kernel, twin;
};

inline std::string dims(std::initializer_list<long> d)
{
    std::string s;
    for (long v : d)
    {
        if (!s.empty())
            s += 'x';
        s += std::to_string(v);
    }
    return s;
}

// DeepSeek-V2-Lite's rope: YaRN factor 40 over 4096, mscale = mscale_all_dim = 0.707.
inline inference::cpu::RopeTables v2LiteRope(int positions)
{
    inference::RopeScaling s;
    s.yarn = true;
    s.factor = 40;
    s.originalMaxPosition = 4096;
    s.betaFast = 32;
    s.betaSlow = 1;
    s.mscale = 0.707;
    s.mscaleAllDim = 0.707;
    return inference::cpu::ropeTables(inference::cpu::YarnRope(64, 10000, s), positions);
}
// (qk_nope + qk_rope)^-0.5 * yarn_mscale(40, 0.707)^2, as ModelConfig::softmaxScale().
inline float v2LiteScale()
{
    const double m = inference::cpu::yarnMscale(40, 0.707);
    return static_cast<float>(m * m / std::sqrt(192.0));
}

inline void sync() { check(cudaDeviceSynchronize(), "kernel run"); }

// ---- embedding ---------------------------------------------------------------------------------
struct EmbeddingShape {
    int vocab, dim, tokens;
    bool withBadId;
    std::string name() const { return dims({vocab, dim, tokens}) + (withBadId ? "_badid" : ""); }
};
struct EmbeddingCase {
    EmbeddingShape s;
    std::vector<float> table;
    std::vector<std::int32_t> ids;
    EmbeddingCase(const EmbeddingShape& shape, Rng& rng) : s(shape), table(rng.bf16Values(size_t(s.vocab) * s.dim, -1, 1))
    {
        for (int t = 0; t < s.tokens; ++t)
            ids.push_back(rng.below(s.vocab));
        ids[0] = 0;
        ids.back() = s.vocab - 1;
        if (s.withBadId)
            ids[1] = s.vocab;
    }
    std::vector<float> kernel()
    {
        DevBuf dt, di, dout(size_t(s.tokens) * s.dim * 4);
        uploadBf16(dt, table);
        uploadRaw(di, ids);
        kernels::EmbeddingParams p;
        p.table = dt.get();
        p.ids = di.as<std::int32_t>();
        p.out = dout.as<float>();
        p.n_tokens = s.tokens;
        p.dim = s.dim;
        p.vocab = s.vocab;
        kernels::launchEmbedding(p, nullptr);
        sync();
        return download(dout, size_t(s.tokens) * s.dim);
    }
    std::vector<float> twin()
    {
        std::vector<float> o(size_t(s.tokens) * s.dim);
        kernels::embeddingTwin(table.data(), s.vocab, s.dim, ids.data(), s.tokens, o.data());
        return o;
    }
};

// ---- rmsnorm (fused residual add) --------------------------------------------------------------
struct RmsNormShape {
    int rows, dim;
    bool delta, outBf16;
    bool q8 = false;  // RmsNormParams::out_q8 too: it must equal quantizeX8Twin of the kernel's own fp32 rows
    std::string name() const
    {
        return dims({rows, dim}) + (delta ? "_add" : "") + (outBf16 ? "_bf16" : "") + (q8 ? "_q8" : "");
    }
};
struct RmsNormCase {
    RmsNormShape s;
    std::vector<float> h, d, w;
    RmsNormCase(const RmsNormShape& shape, Rng& rng)
        : s(shape), h(rng.floats(size_t(s.rows) * s.dim, -3, 3)), d(rng.floats(h.size(), -1, 1)),
          w(rng.bf16Values(s.dim, 0.5f, 1.5f)) {}
    // Output: normalised rows followed by the updated residual (both must be right).
    std::vector<float> kernel()
    {
        DevBuf dh, dd, dw, dout(h.size() * (s.outBf16 ? 2 : 4));
        upload(dh, h);
        upload(dd, d);
        uploadBf16(dw, w);
        kernels::RmsNormParams p;
        p.residual = dh.as<float>();
        p.delta = s.delta ? dd.as<float>() : nullptr;
        p.weight = dw.get();
        p.out = dout.get();
        p.out_bf16 = s.outBf16;
        p.n_rows = s.rows;
        p.dim = s.dim;
        const std::size_t rowQ8 = static_cast<std::size_t>(s.dim) / 32 * 40;
        DevBuf dq8(s.q8 ? rowQ8 * s.rows : 0);
        p.out_q8 = s.q8 ? dq8.get() : nullptr;
        kernels::launchRmsNorm(p, nullptr);
        sync();
        std::vector<float> o = s.outBf16 ? downloadBf16(dout, h.size()) : download(dout, h.size());
        const std::vector<float> res = download(dh, h.size());
        if (s.q8) {  // the bytes of every row against the twin's quantization of the row just written
            std::vector<unsigned char> got(rowQ8 * s.rows);
            check(cudaMemcpy(got.data(), dq8.get(), got.size(), cudaMemcpyDeviceToHost), "download out_q8");
            float mismatched = 0;
            for (int r = 0; r < s.rows; ++r) {
                const std::vector<unsigned char> want = kernels::twins::quantizeX8Twin(o.data() + static_cast<std::size_t>(r) * s.dim, s.dim);
                for (std::size_t b = 0; b < rowQ8; ++b)
                    mismatched += got[r * rowQ8 + b] != want[b];
            }
            o.push_back(1e3f * mismatched);  // the twin appends 0: any differing byte fails the row
        }
        o.insert(o.end(), res.begin(), res.end());
        return o;
    }
    std::vector<float> twin()
    {
        std::vector<float> res = h, o(h.size());
        kernels::rmsNormTwin(res.data(), s.delta ? d.data() : nullptr, w.data(), o.data(), s.rows, s.dim, 1e-6f);
        if (s.q8)
            o.push_back(0.f);
        o.insert(o.end(), res.begin(), res.end());
        return o;
    }
};

// ---- quantize_x8 (x to int8 per 32 for the int8 decode kernels) ---------------------------------
struct QuantizeX8Shape {
    int n;
    bool withZeroBlock;  // an all-zero block: d = 0, q = 0
    std::string name() const { return dims({n}) + (withZeroBlock ? "_zero_block" : ""); }
};
struct QuantizeX8Case {
    QuantizeX8Shape s;
    std::vector<float> x;
    QuantizeX8Case(const QuantizeX8Shape& shape, Rng& rng) : s(shape), x(rng.floats(s.n, -3, 3))
    {
        if (s.withZeroBlock)
            std::fill(x.begin() + 32, x.begin() + 64, 0.f);
    }
    // Every byte of the output as a number: equal to the twin's or the row fails (tolerance 0).
    std::vector<float> kernel()
    {
        DevBuf dx, dout(static_cast<std::size_t>(s.n) / 32 * 40);
        upload(dx, x);
        kernels::QuantizeX8Params p;
        p.x = dx.as<float>();
        p.out = dout.get();
        p.n = s.n;
        kernels::launchQuantizeX8(p, nullptr);
        sync();
        std::vector<unsigned char> b(static_cast<std::size_t>(s.n) / 32 * 40);
        check(cudaMemcpy(b.data(), dout.get(), b.size(), cudaMemcpyDeviceToHost), "download");
        return std::vector<float>(b.begin(), b.end());
    }
    std::vector<float> twin()
    {
        const std::vector<unsigned char> b = kernels::twins::quantizeX8Twin(x.data(), s.n);
        return std::vector<float>(b.begin(), b.end());
    }
};

// ---- rope (prefill q) --------------------------------------------------------------------------
struct RopeShape {
    int tokens, heads, headDim, ropeOffset;
    bool outBf16;
    std::string name() const { return dims({tokens, heads, headDim}) + (outBf16 ? "_bf16" : ""); }
};
struct RopeCase {
    RopeShape s;
    inference::cpu::RopeTables tab = v2LiteRope(8192);
    std::vector<float> x;
    std::vector<std::int32_t> pos;
    RopeCase(const RopeShape& shape, Rng& rng) : s(shape), x(rng.floats(size_t(s.tokens) * s.heads * s.headDim, -2, 2))
    {
        for (int t = 0; t < s.tokens; ++t)
            pos.push_back(t == 0 ? 8191 : rng.below(8192));
    }
    std::vector<float> kernel()
    {
        DevBuf dx, dpos, dcos, dsin, dout(x.size() * (s.outBf16 ? 2 : 4));
        upload(dx, x);
        uploadRaw(dpos, pos);
        upload(dcos, tab.cos);
        upload(dsin, tab.sin);
        kernels::RopeParams p;
        p.in = dx.as<float>();
        p.out = dout.get();
        p.out_bf16 = s.outBf16;
        p.positions = dpos.as<std::int32_t>();
        p.cos = dcos.as<float>();
        p.sin = dsin.as<float>();
        p.max_position = tab.positions;
        p.n_tokens = s.tokens;
        p.n_heads = s.heads;
        p.head_dim = s.headDim;
        p.rope_offset = s.ropeOffset;
        p.in_row_stride = p.out_row_stride = std::int64_t(s.heads) * s.headDim;
        p.in_head_stride = p.out_head_stride = s.headDim;
        kernels::launchRope(p, nullptr);
        sync();
        return s.outBf16 ? downloadBf16(dout, x.size()) : download(dout, x.size());
    }
    std::vector<float> twin()
    {
        std::vector<float> o(x.size());
        kernels::ropeTwin(x.data(), o.data(), pos.data(), s.tokens, s.heads, s.headDim, s.ropeOffset, tab.cos.data(),
                          tab.sin.data());
        return o;
    }
};

// ---- gemv --------------------------------------------------------------------------------------
struct GemvShape {
    enum Mode { Plain, Swiglu, Accumulate, OutBf16, XBf16, Norm };
    int rows, cols, batch;
    Mode mode;
    std::string name() const
    {
        static const char* m[] = {"", "_swiglu", "_acc", "_ybf16", "_xbf16", "_rmsnorm"};
        return dims({batch, rows, cols}) + m[mode];
    }
};
struct GemvCase {
    GemvShape s;
    std::vector<float> w, x, y0;  // x holds [gate | up] (2 * cols) in SwiGLU mode
    std::vector<float> g;         // Norm mode: the RMSNorm weight (bf16 values)
    GemvCase(const GemvShape& shape, Rng& rng) : s(shape)
    {
        w = rng.bf16Values(size_t(s.batch) * s.rows * s.cols, -1, 1);
        const size_t xn = size_t(s.batch) * s.cols * (s.mode == GemvShape::Swiglu ? 2 : 1);
        x = s.mode == GemvShape::XBf16 ? rng.bf16Values(xn, -1, 1) : rng.floats(xn, -2, 2);
        y0 = rng.floats(size_t(s.batch) * s.rows, -1, 1);
        if (s.mode == GemvShape::Norm)
            g = rng.bf16Values(size_t(s.cols), 0.5f, 1.5f);
    }
    std::vector<float> kernel()
    {
        DevBuf dw, dx, dy(y0.size() * 4);
        uploadBf16(dw, w);
        if (s.mode == GemvShape::XBf16)
            uploadBf16(dx, x);
        else
            upload(dx, x);
        if (s.mode == GemvShape::Accumulate)
            upload(dy, y0);
        DevBuf dg;
        if (s.mode == GemvShape::Norm)
            uploadBf16(dg, g);
        kernels::GemvParams p;
        p.norm_weight = s.mode == GemvShape::Norm ? dg.get() : nullptr;
        p.w = dw.get();
        p.x = dx.get();
        p.x_bf16 = s.mode == GemvShape::XBf16;
        p.x_swiglu = s.mode == GemvShape::Swiglu;
        p.swiglu_up_offset = s.cols;
        p.y = dy.get();
        p.y_bf16 = s.mode == GemvShape::OutBf16;
        p.accumulate = s.mode == GemvShape::Accumulate;
        p.rows = s.rows;
        p.cols = s.cols;
        p.batch = s.batch;
        p.w_batch_stride = std::int64_t(s.rows) * s.cols;
        p.x_batch_stride = s.cols;
        p.y_batch_stride = s.rows;
        kernels::launchGemv(p, nullptr);
        sync();
        return p.y_bf16 ? downloadBf16(dy, y0.size()) : download(dy, y0.size());
    }
    std::vector<float> twin()
    {
        std::vector<float> xin = x;
        if (s.mode == GemvShape::Swiglu) {  // x' = silu(gate) * up, in double
            xin.resize(s.cols);
            for (int i = 0; i < s.cols; ++i) {
                const double g = x[i];
                xin[i] = static_cast<float>(g / (1.0 + std::exp(-g)) * x[s.cols + i]);
            }
        }
        if (s.mode == GemvShape::Norm) {  // the RMSNorm op's own twin, then the GEMV's
            std::vector<float> res = x, normed(x.size());
            kernels::rmsNormTwin(res.data(), nullptr, g.data(), normed.data(), 1, s.cols, 1e-6f);
            xin = normed;
        }
        std::vector<float> y = y0;
        kernels::gemvTwin(w.data(), xin.data(), y.data(), s.rows, s.cols, s.batch, s.mode == GemvShape::Accumulate);
        return y;
    }
};

}  // namespace fathom::attntest
