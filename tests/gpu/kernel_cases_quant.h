// The quantized decode rows of kernel_ops_test (issue #13): qgemv, qembedding (Shape + Case, run by
// attnCheck like the attention rows) and qmoe_decode (a check of its own: the fused router's ids,
// weights and counters as well as the output). Inputs are random valid GGUF blocks
// (quant_gpu_util.h); the twins dequantize them exactly and run fp32/double loops.
#pragma once

#include "kernels/qembedding.cuh"
#include "kernels/qgemv.cuh"
#include "kernels/qmoe_decode.cuh"
#include "kernels/quantize_x8.cuh"
#include "kernels/twins/moe_route_twin.h"
#include "kernels/twins/qmatrix_twin.h"
#include "kernels/twins/qmoe_decode_twin.h"
#include "tests/gpu/moe_op_checks.h"
#include "tests/gpu/quant_gpu_util.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

namespace fathom::attntest {

using kernels::WType;

// ---- qgemv -------------------------------------------------------------------------------------
struct QGemvShape {
    WType type;
    int rows, cols;
    enum Mode { Plain, Swiglu, Accumulate } mode;
    bool int8 = false;  // QGemvParams::int8_x: int8 activations (kernels/qdot8.cuh)
    bool xq8 = false;   // QGemvParams::x_q8: x quantized first by kernels/quantize_x8
    std::string name() const
    {
        return quanttest::typeName(type) + "_" + std::to_string(rows) + "x" + std::to_string(cols) +
               (mode == Swiglu ? "_swiglu" : mode == Accumulate ? "_acc" : "") + (int8 ? "_int8" : "") +
               (xq8 ? "_xq8" : "");
    }
};
struct QGemvCase {
    QGemvShape s;
    quanttest::PackedMatrix w;
    std::vector<float> x, y0;
    QGemvCase(const QGemvShape& shape, Rng& rng)
        : s(shape), w(quanttest::randomPacked(s.type, s.rows, s.cols, rng)),
          x(rng.floats(static_cast<size_t>(s.cols) * (s.mode == QGemvShape::Swiglu ? 2 : 1), -2, 2)),
          y0(rng.floats(s.rows, -1, 1))
    {
    }
    std::vector<float> kernel()
    {
        DevBuf dw, dx, dy(static_cast<size_t>(s.rows) * 4);
        quanttest::uploadPacked(dw, w);
        upload(dx, x);
        if (s.mode == QGemvShape::Accumulate)
            upload(dy, y0);
        kernels::QGemvParams p;
        p.w = w.on(dw);
        p.x = dx.as<float>();
        p.x_swiglu = s.mode == QGemvShape::Swiglu;
        p.swiglu_up_offset = p.x_swiglu ? s.cols : 0;
        p.y = dy.as<float>();
        p.accumulate = s.mode == QGemvShape::Accumulate;
        p.int8_x = s.int8;
        DevBuf dq8(s.xq8 ? static_cast<std::size_t>(s.cols) / 32 * 40 : 0);
        if (s.xq8) {
            kernels::QuantizeX8Params q;
            q.x = dx.as<float>();
            q.out = dq8.get();
            q.n = s.cols;
            kernels::launchQuantizeX8(q, nullptr);
            p.x_q8 = dq8.get();
        }
        kernels::launchQGemv(p, nullptr);
        sync();
        return download(dy, s.rows);
    }
    std::vector<float> twin()
    {
        std::vector<float> y = y0;
        kernels::twins::qgemvTwin(w.host(), x.data(), s.mode == QGemvShape::Swiglu, s.cols, y.data(),
                                  s.mode == QGemvShape::Accumulate);
        return y;
    }
};

// ---- qembedding --------------------------------------------------------------------------------
struct QEmbeddingShape {
    WType type;
    int vocab, dim, tokens;
    bool withBadId;
    std::string name() const
    {
        return quanttest::typeName(type) + "_" + std::to_string(vocab) + "x" + std::to_string(dim) + "x" +
               std::to_string(tokens) + (withBadId ? "_badid" : "");
    }
};
struct QEmbeddingCase {
    QEmbeddingShape s;
    quanttest::PackedMatrix table;
    std::vector<std::int32_t> ids;
    QEmbeddingCase(const QEmbeddingShape& shape, Rng& rng)
        : s(shape), table(quanttest::randomPacked(s.type, s.vocab, s.dim, rng))
    {
        for (int t = 0; t < s.tokens; ++t)
            ids.push_back(rng.below(s.vocab));
        ids[0] = 0;
        ids.back() = s.vocab - 1;
        if (s.withBadId) {
            ids[1] = s.vocab;
            ids[2] = -1;
        }
    }
    std::vector<float> kernel()
    {
        DevBuf dt, di, dout(static_cast<size_t>(s.tokens) * s.dim * 4);
        quanttest::uploadPacked(dt, table);
        uploadRaw(di, ids);
        kernels::QEmbeddingParams p;
        p.table = table.on(dt);
        p.ids = di.as<std::int32_t>();
        p.out = dout.as<float>();
        p.n_tokens = s.tokens;
        kernels::launchQEmbedding(p, nullptr);
        sync();
        return download(dout, static_cast<size_t>(s.tokens) * s.dim);
    }
    std::vector<float> twin()
    {
        std::vector<float> o(static_cast<size_t>(s.tokens) * s.dim);
        kernels::twins::qembeddingTwin(table.host(), ids.data(), s.tokens, o.data());
        return o;
    }
};

// ---- qmoe_decode -------------------------------------------------------------------------------
struct QExpertTypes {
    WType gateUp, down;
    int inter;  // 0: the group is absent
};
struct QMoeShape {
    int hidden, n_routed, top_k;
    QExpertTypes routed, shared;
    bool fused, accumulate;
    gputest::RouteShape route;  // routing rules when fused
    bool int8 = false;          // QMoeDecodeParams::int8_x: int8 x and h (kernels/qdot8.cuh)
    bool xq8 = false;           // QMoeDecodeParams::x_q8: x quantized first by kernels/quantize_x8
};

// One group's packed matrices, on the host and on the device.
struct QGroupData {
    quanttest::PackedMatrix gate, up, down;
    DevBuf dg, du, dd;
    QGroupData(const QExpertTypes& t, int n, int hidden, Rng& rng)
    {
        if (!t.inter)
            return;
        gate = quanttest::randomPacked(t.gateUp, n * t.inter, hidden, rng);
        up = quanttest::randomPacked(t.gateUp, n * t.inter, hidden, rng);
        down = quanttest::randomPacked(t.down, n * hidden, t.inter, rng);
        quanttest::uploadPacked(dg, gate);
        quanttest::uploadPacked(du, up);
        quanttest::uploadPacked(dd, down);
    }
    kernels::QMoeExperts device(int inter) const { return {gate.on(dg), up.on(du), down.on(dd), inter}; }
    kernels::twins::QExpertsTwin host(int inter) const { return {gate.host(), up.host(), down.host(), inter}; }
};

inline gputest::CheckResult checkQMoeDecode(const QMoeShape& s)
{
    gputest::CheckResult r;
    const auto seed = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    Rng rng(seed);
    const int n_shared = s.shared.inter ? 1 : 0;
    QGroupData routed(s.routed, s.n_routed, s.hidden, rng), shared(s.shared, 1, s.hidden, rng);
    const std::vector<float> x = rng.floats(s.hidden, -1, 1);
    std::vector<std::int32_t> ids(std::max(s.top_k, 1));
    std::vector<float> weights(std::max(s.top_k, 1));
    for (int j = 0; j < s.top_k; ++j) {
        ids[j] = rng.below(s.n_routed);
        weights[j] = rng.uniform(0.05f, 0.5f);
    }
    std::vector<float> gate_w = rng.floats(static_cast<size_t>(std::max(s.n_routed, 1)) * s.hidden, -1, 1);
    for (float& g : gate_w)
        g *= 4.0f / std::sqrt(static_cast<float>(s.hidden));
    const std::vector<float> bias = rng.floats(std::max(s.n_routed, 1), -0.1f, 0.1f);
    const size_t h_total = static_cast<size_t>(s.top_k) * s.routed.inter + s.shared.inter;

    DevBuf dx, dids, dw, dgate, dbias, dout(s.hidden * 4), dh(h_total * 4), dlogits(std::max(s.n_routed, 1) * 4),
        dsync(8 * 4);
    upload(dx, x);
    uploadRaw(dids, ids);
    upload(dw, weights);
    upload(dgate, gate_w);
    upload(dbias, bias);
    check(cudaMemset(dsync.get(), 0, 32), "zero sync_ws");

    kernels::QMoeDecodeParams p;
    p.x = dx.as<float>();
    if (s.top_k)
        p.routed = routed.device(s.routed.inter);
    if (n_shared)
        p.shared = shared.device(s.shared.inter);
    p.n_shared = n_shared;
    p.topk_ids = s.top_k ? dids.as<int>() : nullptr;
    p.topk_weights = s.top_k ? dw.as<float>() : nullptr;
    p.out = dout.as<float>();
    p.accumulate = s.accumulate;
    p.h_ws = dh.as<float>();
    p.sync_ws = dsync.as<int>();
    p.hidden = s.hidden;
    p.n_routed = s.n_routed;
    p.top_k = s.top_k;
    p.int8_x = s.int8;
    DevBuf dq8(s.xq8 ? static_cast<std::size_t>(s.hidden) / 32 * 40 : 0);
    if (s.xq8) {
        kernels::QuantizeX8Params q;
        q.x = dx.as<float>();
        q.out = dq8.get();
        q.n = s.hidden;
        kernels::launchQuantizeX8(q, nullptr);
        p.x_q8 = dq8.get();
    }
    if (s.fused) {
        p.gate_w = dgate.as<float>();
        p.bias = s.route.method == 2 ? dbias.as<float>() : nullptr;
        p.logits_ws = dlogits.as<float>();
        p.n_group = s.route.n_group;
        p.topk_group = s.route.topk_group;
        p.method = static_cast<kernels::MoeRouteMethod>(s.route.method);
        p.scoring = static_cast<kernels::MoeScoring>(s.route.scoring);
        p.norm_topk_prob = s.route.norm_topk_prob;
        p.routed_scaling_factor = s.route.routed_scaling_factor;
    }

    for (int run = 0; run < 2; ++run) {  // the second launch needs every counter reset by the first
        const std::vector<float> start = rng.floats(s.hidden, -0.5f, 0.5f);
        if (s.accumulate)
            upload(dout, start);
        else
            dout.poison();
        dh.poison();
        std::vector<std::int32_t> use_ids = ids;
        std::vector<float> use_w = weights;
        if (s.fused) {
            dids.poison();
            dw.poison();
            dlogits.poison();
        }
        kernels::launchQMoeDecode(p, nullptr);
        sync();
        if (s.fused) {
            std::vector<float> ref_logits(s.n_routed);
            kernels::twins::moeRouteLogitsTwin(x.data(), gate_w.data(), 1, s.hidden, s.n_routed, ref_logits.data());
            const std::vector<float> got_logits = download(dlogits, s.n_routed);
            const double e_logits = compare(got_logits, ref_logits).relL2;
            // Route the kernel's own logits, so a near-tie cannot flip an expert between the two.
            kernels::twins::RouteTwinConfig c{s.n_routed, s.top_k, s.route.n_group, s.route.topk_group,
                                              s.route.method, s.route.scoring, s.route.norm_topk_prob,
                                              s.route.routed_scaling_factor};
            kernels::twins::moeRouteFromLogitsTwin(got_logits.data(), s.route.method == 2 ? bias.data() : nullptr, 1, c,
                                                   use_ids.data(), use_w.data());
            std::vector<std::int32_t> got_ids(s.top_k);
            check(cudaMemcpy(got_ids.data(), dids.get(), s.top_k * 4, cudaMemcpyDeviceToHost), "download ids");
            const double e_w = compare(download(dw, s.top_k), std::vector<float>(use_w.begin(), use_w.begin() + s.top_k)).relL2;
            if (!std::equal(got_ids.begin(), got_ids.end(), use_ids.begin()) || e_logits > 1e-5 || e_w > 1e-5) {
                r.ok = false;
                r.detail += "routing differs from the twin (logits err " + std::to_string(e_logits) + ", weights err " +
                            std::to_string(e_w) + ");";
            }
        }
        std::vector<float> want = start;
        kernels::twins::qmoeDecodeTwin(x.data(), routed.host(s.routed.inter), shared.host(s.shared.inter),
                                       use_ids.data(), use_w.data(), s.hidden, s.top_k, n_shared, s.accumulate,
                                       want.data());
        const Comparison cmp = compare(download(dout, s.hidden), want);
        if (cmp.badElements) {
            r.ok = false;
            r.detail += std::to_string(cmp.badElements) + " outputs non-finite in one result only;";
        }
        r.err = std::max(r.err, cmp.relL2);
    }
    std::vector<int> q(8);
    check(cudaMemcpy(q.data(), dsync.get(), 32, cudaMemcpyDeviceToHost), "download sync_ws");
    if (std::any_of(q.begin(), q.end(), [](int v) { return v != 0; })) {
        r.ok = false;
        r.detail += " counters not left at zero;";
    }
    r.detail += " rel L2 " + std::to_string(r.err) + " (seed " + std::to_string(seed) + ")";
    return r;
}

}  // namespace fathom::attntest
