// Checks behind the dequantize and qmoe_prefill rows of tests/gpu/kernel_ops_test.cpp: kernel against
// the CPU dequantization (bit exact) and the fp32 MoE twin, on fresh random blocks, outputs poisoned.
#include "tests/gpu/qmoe_op_checks.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "kernels/dequantize.cuh"
#include "kernels/qmoe_prefill.cuh"
#include "kernels/twins/moe_expert_decode_twin.h"
#include "kernels/twins/moe_prefill_twin.h"
#include "tests/gpu/moe_gpu_util.h"
#include "tests/gpu/qmatrix_gpu_util.h"

namespace fathom::gputest {

using namespace fathom::kernels;

namespace {

std::string seedNote(std::uint64_t seed) { return " (seed " + std::to_string(seed) + ")"; }

// A HostQMatrix uploaded as the QMatrix the kernels read.
struct DeviceQMatrix {
    DeviceBuffer<std::uint8_t> buf;
    QMatrix m;
    explicit DeviceQMatrix(const HostQMatrix& h) : buf(h.bytes.size())
    {
        buf.upload(h.bytes);
        m = QMatrix{buf.get(), h.type, h.rows, h.cols, h.row_bytes};
    }
};

// The values the kernel's tiles hold: the twin's fp32 rounded to bf16.
std::vector<float> roundedBf16(const std::vector<float>& v)
{
    std::vector<float> r(v.size());
    for (size_t i = 0; i < v.size(); ++i) r[i] = fromBf16Bits(toBf16Bits(v[i]));
    return r;
}

// moe_expert_decode_twin's w13 layout from separate gate / up rows: [E, 2*inter, hidden], gate and
// up rows interleaved in blocks of 64.
std::vector<float> interleaveW13(const std::vector<float>& gate, const std::vector<float>& up, int E, int inter, int hidden)
{
    std::vector<float> w13(static_cast<size_t>(E) * 2 * inter * hidden);
    for (int e = 0; e < E; ++e)
        for (int i = 0; i < inter; ++i) {
            const size_t src = (static_cast<size_t>(e) * inter + i) * hidden;
            const size_t g = (static_cast<size_t>(e) * 2 * inter + twins::gateRowInW13(i)) * hidden;
            std::copy_n(&gate[src], hidden, &w13[g]);
            std::copy_n(&up[src], hidden, &w13[g + static_cast<size_t>(64) * hidden]);
        }
    return w13;
}

}  // namespace

CheckResult checkDequantize(const DequantShape& s)
{
    CheckResult r;
    const std::uint64_t seed = freshSeed();
    const HostQMatrix h = randomQMatrix(s.type, s.rows, s.cols, seed);
    DeviceQMatrix w(h);
    DeviceBuffer<__nv_bfloat16> out(static_cast<size_t>(std::max(s.n_rows, 1)) * s.ld);
    out.poison();
    launchDequantize(DequantizeParams{w.m, out.get(), s.ld, s.row0, s.n_rows}, nullptr);
    cudaOk(cudaDeviceSynchronize(), "dequantize");
    const auto got = out.download();
    long long bad = 0, first = -1, pad_written = 0;
    for (int i = 0; i < s.n_rows; ++i)
        for (int c = 0; c < s.ld; ++c) {
            const std::uint16_t g = static_cast<__nv_bfloat16_raw>(got[static_cast<size_t>(i) * s.ld + c]).x;
            if (c >= s.cols) {
                pad_written += g != 0xffff;
                continue;
            }
            const std::uint16_t want = toBf16Bits(h.values[static_cast<size_t>(s.row0 + i) * s.cols + c]);
            if (g != want) {
                if (first < 0) first = static_cast<long long>(i) * s.cols + c;
                ++bad;
            }
        }
    r.err = static_cast<double>(bad);
    r.ok = pad_written == 0;
    if (bad || !r.ok)
        r.detail = std::to_string(bad) + " elements differ (first at " + std::to_string(first) + "), " +
                   std::to_string(pad_written) + " padding elements written" + seedNote(seed);
    return r;
}

CheckResult checkQMoePrefill(const QMoeShape& s)
{
    CheckResult r;
    const std::uint64_t seed = freshSeed();
    const int T = s.n_tokens, H = s.hidden, K = s.top_k, R = s.n_routed;
    const bool routed = K > 0, shared = s.shared_inter > 0;
    std::vector<float> xf;
    const auto xb = randomBf16(static_cast<size_t>(T) * H, 1.0f, seed, xf);
    DeviceBuffer<__nv_bfloat16> x(xb.size());
    x.upload(xb);

    std::mt19937_64 rng(seed);
    std::vector<int> ids(static_cast<size_t>(T) * std::max(K, 1));
    std::vector<float> weights(ids.size());
    std::vector<int> perm(std::max(R, 1));
    std::iota(perm.begin(), perm.end(), 0);
    std::uniform_real_distribution<float> wd(0.05f, 1.0f);
    for (int t = 0; t < T && routed; ++t) {
        std::shuffle(perm.begin(), perm.end(), rng);
        for (int k = 0; k < K; ++k) {
            ids[static_cast<size_t>(t) * K + k] = K <= R ? perm[k] : static_cast<int>(rng() % R);
            weights[static_cast<size_t>(t) * K + k] = wd(rng);
        }
    }
    DeviceBuffer<int> dids(ids.size());
    DeviceBuffer<float> dweights(weights.size());
    dids.upload(ids);
    dweights.upload(weights);

    // Weights: routed gate/up [R*inter, H], down [R*H, inter]; shared gate/up [inter_s, H], down [H, inter_s].
    const int ri = routed ? s.routed_inter : 64, si = shared ? s.shared_inter : 64, rn = routed ? R : 1;
    const HostQMatrix rg = randomQMatrix(s.routed_gate_up, routed ? rn * ri : 64, routed ? H : 256, seed + 1);
    const HostQMatrix ru = randomQMatrix(s.routed_gate_up, routed ? rn * ri : 64, routed ? H : 256, seed + 2);
    const HostQMatrix rd = randomQMatrix(s.routed_down, routed ? rn * H : 64, routed ? ri : 256, seed + 3);
    const HostQMatrix sg = randomQMatrix(s.shared_gate_up, shared ? si : 64, shared ? H : 256, seed + 4);
    const HostQMatrix su = randomQMatrix(s.shared_gate_up, shared ? si : 64, shared ? H : 256, seed + 5);
    const HostQMatrix sd = randomQMatrix(s.shared_down, shared ? H : 64, shared ? si : 256, seed + 6);
    DeviceQMatrix drg(rg), dru(ru), drd(rd), dsg(sg), dsu(su), dsd(sd);

    const size_t routed_rows = static_cast<size_t>(T) * K;
    DeviceBuffer<int> sorted(std::max<size_t>(routed_rows, 1)), slot_pos(std::max<size_t>(routed_rows, 1)),
        offsets(R + 1), tile_offsets(R + 1);
    DeviceBuffer<__nv_bfloat16> h(qmoePrefillHElements(T, K, ri, shared, si)),
        y((routed_rows + (shared ? T : 0)) * H);
    DeviceBuffer<float> out_f32(static_cast<size_t>(T) * H);
    DeviceBuffer<__nv_bfloat16> out_bf16(static_cast<size_t>(T) * H);
    h.poison();
    y.poison();

    // The twin: routed experts and the shared expert as two moe_prefill_twin calls, summed.
    std::vector<float> ref(static_cast<size_t>(T) * H, 0.f), part(ref.size());
    if (routed) {
        const auto w13 = interleaveW13(roundedBf16(rg.values), roundedBf16(ru.values), R, ri, H);
        const auto w2 = roundedBf16(rd.values);
        twins::moePrefillTwin(xf.data(), w13.data(), w2.data(), ids.data(), weights.data(), T, H, ri, R, K, 0, ref.data());
    }
    if (shared) {
        const auto w13 = interleaveW13(roundedBf16(sg.values), roundedBf16(su.values), 1, si, H);
        const auto w2 = roundedBf16(sd.values);
        twins::moePrefillTwin(xf.data(), w13.data(), w2.data(), nullptr, nullptr, T, H, si, 0, 0, 1, part.data());
        for (size_t i = 0; i < ref.size(); ++i) ref[i] += part[i];
    }
    double ss = 0.0;
    for (float f : ref) ss += static_cast<double>(f) * f;
    const float scale = static_cast<float>(std::sqrt(ss / std::max<size_t>(ref.size(), 1)));
    std::vector<float> want(ref.size(), 0.f);
    if (s.accumulate) {
        const auto bits = randomBf16(ref.size(), scale, seed + 7, want);
        out_f32.upload(want);
        out_bf16.upload(bits);
    } else {
        out_f32.poison();
        out_bf16.poison();
    }
    for (size_t i = 0; i < want.size(); ++i) want[i] += ref[i];

    QMoePrefillParams p;
    p.x = x.get();
    if (routed) p.routed = QMoeGroup{drg.m, dru.m, drd.m, ri};
    if (shared) p.shared = QMoeGroup{dsg.m, dsu.m, dsd.m, si};
    p.has_shared = shared;
    p.topk_ids = routed ? dids.get() : nullptr;
    p.topk_weights = routed ? dweights.get() : nullptr;
    p.out_f32 = s.out_bf16 ? nullptr : out_f32.get();
    p.out_bf16 = s.out_bf16 ? out_bf16.get() : nullptr;
    p.accumulate = s.accumulate;
    p.ws_sorted_token = sorted.get();
    p.ws_slot_pos = slot_pos.get();
    p.ws_offsets = offsets.get();
    p.ws_tile_offsets = tile_offsets.get();
    p.ws_h = h.get();
    p.ws_y = y.get();
    p.n_tokens = T;
    p.hidden = H;
    p.n_routed = routed ? R : 0;
    p.top_k = K;
    launchQMoePrefill(p, nullptr);
    cudaOk(cudaDeviceSynchronize(), "qmoe_prefill");
    const std::vector<float> got = s.out_bf16 ? bf16ToFloat(out_bf16.download()) : out_f32.download();
    r.err = relL2(got, want);
    if (routed) {
        const auto off = offsets.download();
        if (off[R] != static_cast<int>(routed_rows)) {
            r.ok = false;
            r.detail = "offsets end at " + std::to_string(off[R]);
        }
    }
    if (r.err > 1e-2 || !r.ok) r.detail += " error " + std::to_string(r.err) + seedNote(seed);
    return r;
}

}  // namespace fathom::gputest
