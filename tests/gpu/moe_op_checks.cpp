// Checks behind the MoE and sampling rows of tests/gpu/kernel_ops_test.cpp: kernel against CPU twin on fresh
// random inputs, outputs poisoned with NaN first.
#include "tests/gpu/moe_op_checks.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <numeric>
#include <sstream>

#include "kernels/moe_expert_decode.cuh"
#include "kernels/moe_prefill.cuh"
#include "kernels/moe_route.cuh"
#include "kernels/sampling.cuh"
#include "kernels/swiglu.cuh"
#include "kernels/twins/moe_expert_decode_twin.h"
#include "kernels/twins/moe_prefill_twin.h"
#include "kernels/twins/moe_route_twin.h"
#include "inference/sampling/sampler.h"
#include "kernels/twins/swiglu_twin.h"
#include "tests/gpu/moe_gpu_util.h"

namespace fathom::gputest {

using namespace fathom::kernels;

namespace {

void sync(const char* what) { cudaOk(cudaDeviceSynchronize(), what); }

std::string seedNote(std::uint64_t seed) { return " (seed " + std::to_string(seed) + ")"; }

float rms(const std::vector<float>& v)
{
    double ss = 0.0;
    for (float f : v) ss += static_cast<double>(f) * f;
    return static_cast<float>(std::sqrt(ss / std::max<size_t>(v.size(), 1)));
}

// Distinct routed ids per token when there are enough experts, repeats otherwise; positive weights.
void randomRouting(int n_tokens, int n_routed, int top_k, std::mt19937_64& rng, std::vector<int>& ids,
                   std::vector<float>& weights)
{
    ids.resize(static_cast<size_t>(n_tokens) * top_k);
    weights.resize(ids.size());
    std::vector<int> perm(n_routed);
    std::iota(perm.begin(), perm.end(), 0);
    std::uniform_real_distribution<float> w(0.05f, 1.0f);
    for (int t = 0; t < n_tokens; ++t) {
        std::shuffle(perm.begin(), perm.end(), rng);
        for (int k = 0; k < top_k; ++k) {
            ids[static_cast<size_t>(t) * top_k + k] = top_k <= n_routed ? perm[k] : static_cast<int>(rng() % n_routed);
            weights[static_cast<size_t>(t) * top_k + k] = w(rng);
        }
    }
}

}  // namespace

CheckResult checkMoeRoute(const RouteShape& s)
{
    CheckResult r;
    const std::uint64_t seed = freshSeed();
    std::vector<float> xf, wf;
    const auto xb = randomBf16(static_cast<size_t>(s.n_tokens) * s.hidden, 1.0f, seed, xf);
    const auto wb = randomBf16(static_cast<size_t>(s.n_routed) * s.hidden, 4.0f / std::sqrt(static_cast<float>(s.hidden)),
                               seed + 1, wf);
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<float> bd(-0.1f, 0.1f);
    std::vector<float> bias(s.n_routed);
    for (float& b : bias) b = bd(rng);

    // The router is fp32 (inputs drawn bf16-valued so the fused expert kernel's rows can share them).
    DeviceBuffer<float> x(xf.size()), gw(wf.size());
    DeviceBuffer<float> dbias(bias.size()), logits(static_cast<size_t>(s.n_tokens) * s.n_routed);
    DeviceBuffer<int> counters(std::max(s.n_tokens, 1)), ids(static_cast<size_t>(s.n_tokens) * s.top_k);
    DeviceBuffer<float> weights(ids.size());
    x.upload(xf);
    gw.upload(wf);
    dbias.upload(bias);
    counters.zero();
    (void)xb;
    (void)wb;

    MoeRouteParams p;
    p.x = x.get();
    p.gate_w = gw.get();
    p.bias = s.method == 2 ? dbias.get() : nullptr;
    p.logits = logits.get();
    p.counters = counters.get();
    p.topk_ids = ids.get();
    p.topk_weights = weights.get();
    p.n_tokens = s.n_tokens;
    p.hidden = s.hidden;
    p.n_routed = s.n_routed;
    p.top_k = s.top_k;
    p.n_group = s.n_group;
    p.topk_group = s.topk_group;
    p.method = static_cast<MoeRouteMethod>(s.method);
    p.scoring = static_cast<MoeScoring>(s.scoring);
    p.norm_topk_prob = s.norm_topk_prob;
    p.routed_scaling_factor = s.routed_scaling_factor;

    std::vector<int> first_ids;
    for (int run = 0; run < 2; ++run) {  // twice: the second launch relies on counters left at zero
        logits.poison();
        ids.poison();
        weights.poison();
        launchMoeRoute(p, nullptr);
        sync("moe_route");
        const auto got_ids = ids.download();
        if (run == 0) { first_ids = got_ids; continue; }
        if (got_ids != first_ids) { r.ok = false; r.detail += "second launch chose other experts;"; }
    }
    const auto counts = counters.download();
    if (std::any_of(counts.begin(), counts.end(), [](int c) { return c != 0; })) {
        r.ok = false;
        r.detail += " counters not left at zero;";
    }

    std::vector<float> ref_logits(logits.size());
    twins::moeRouteLogitsTwin(xf.data(), wf.data(), s.n_tokens, s.hidden, s.n_routed, ref_logits.data());
    const auto got_logits = logits.download();
    const double e_logits = relL2(got_logits, ref_logits);

    // Routing is checked from the kernel's own logits, so a near tie decided by the last bit of
    // the GEMV cannot flake the test; the GEMV itself is checked above.
    twins::RouteTwinConfig c{s.n_routed, s.top_k, s.n_group, s.topk_group, s.method, s.scoring, s.norm_topk_prob,
                             s.routed_scaling_factor};
    std::vector<int> ref_ids(ids.size());
    std::vector<float> ref_w(ids.size());
    twins::moeRouteFromLogitsTwin(got_logits.data(), s.method == 2 ? bias.data() : nullptr, s.n_tokens, c,
                                  ref_ids.data(), ref_w.data());
    const auto got_ids = ids.download();
    if (got_ids != ref_ids) {
        r.ok = false;
        size_t i = 0;
        while (i < got_ids.size() && got_ids[i] == ref_ids[i]) ++i;
        r.detail += " ids differ from the twin at " + std::to_string(i) + ": " + std::to_string(got_ids[i]) + " vs " +
                    std::to_string(ref_ids[i]) + ";";
    }
    r.err = std::max(e_logits, relL2(weights.download(), ref_w));
    if (!r.ok) r.detail += seedNote(seed);
    return r;
}

namespace {

struct ExpertData {
    std::vector<float> x, w13, w2, weights, out0;
    std::vector<int> ids;
    std::uint64_t seed = 0;
};

ExpertData makeExperts(const ExpertShape& s, DeviceBuffer<__nv_bfloat16>& x, DeviceBuffer<__nv_bfloat16>& w13,
                       DeviceBuffer<__nv_bfloat16>& w2, DeviceBuffer<int>& ids, DeviceBuffer<float>& weights)
{
    ExpertData d;
    d.seed = freshSeed();
    x.upload(randomBf16(x.size(), 1.0f, d.seed, d.x));
    w13.upload(randomBf16(w13.size(), 1.0f / std::sqrt(static_cast<float>(s.hidden)), d.seed + 1, d.w13));
    w2.upload(randomBf16(w2.size(), 1.0f / std::sqrt(static_cast<float>(s.inter)), d.seed + 2, d.w2));
    std::mt19937_64 rng(d.seed);
    randomRouting(s.n_tokens, std::max(s.n_routed, 1), s.top_k, rng, d.ids, d.weights);
    if (s.top_k > 0) {
        ids.upload(d.ids);
        weights.upload(d.weights);
    }
    return d;
}

// Output buffers of either dtype. Without accumulate the output is poisoned and starts at "0";
// with it, the output starts at random values of about `scale` (pass the reference's size, so the
// bf16 rounding of the sum stays near 2^-9 of the experts' part) and the totals are compared.
struct OutBuffers {
    DeviceBuffer<float> f32;
    DeviceBuffer<__nv_bfloat16> bf16;
    explicit OutBuffers(size_t n) : f32(n), bf16(n) {}
    std::vector<float> prepare(const ExpertShape& s, float scale, std::uint64_t seed)
    {
        if (!s.accumulate) {
            f32.poison();
            bf16.poison();
            return std::vector<float>(f32.size(), 0.f);
        }
        std::vector<float> start;
        const auto bits = randomBf16(f32.size(), scale, seed + 3, start);
        f32.upload(start);
        bf16.upload(bits);
        return start;
    }
    std::vector<float> result(const ExpertShape& s) const
    {
        return s.out_bf16 ? bf16ToFloat(bf16.download()) : f32.download();
    }
};

}  // namespace

CheckResult checkMoeExpertDecode(const ExpertShape& s)
{
    CheckResult r;
    const int E = s.n_routed + s.n_shared_slots, S = s.top_k + s.n_shared_slots;
    DeviceBuffer<__nv_bfloat16> x(s.hidden), w13(static_cast<size_t>(E) * 2 * s.inter * s.hidden),
        w2(static_cast<size_t>(E) * s.hidden * s.inter);
    DeviceBuffer<int> ids(std::max(s.top_k, 1)), sync_ws(8);
    DeviceBuffer<float> weights(std::max(s.top_k, 1)), h_ws(static_cast<size_t>(S) * s.inter);
    OutBuffers out(s.hidden);
    ExpertData d = makeExperts(s, x, w13, w2, ids, weights);
    sync_ws.zero();

    MoeExpertDecodeParams p;
    p.x = x.get();
    p.w13 = w13.get();
    p.w2 = w2.get();
    p.topk_ids = s.top_k ? ids.get() : nullptr;
    p.topk_weights = s.top_k ? weights.get() : nullptr;
    p.out_f32 = s.out_bf16 ? nullptr : out.f32.get();
    p.out_bf16 = s.out_bf16 ? out.bf16.get() : nullptr;
    p.accumulate = s.accumulate;
    p.h_ws = h_ws.get();
    p.sync_ws = sync_ws.get();
    p.hidden = s.hidden;
    p.inter = s.inter;
    p.n_routed = s.n_routed;
    p.top_k = s.top_k;
    p.n_shared_slots = s.n_shared_slots;

    std::vector<float> ref(s.hidden);
    twins::moeExpertDecodeTwin(d.x.data(), d.w13.data(), d.w2.data(), d.ids.data(), d.weights.data(), s.hidden, s.inter,
                               s.n_routed, s.top_k, s.n_shared_slots, ref.data());
    for (int run = 0; run < 2; ++run) {  // the second launch needs the work queue reset by the first
        std::vector<float> want = out.prepare(s, rms(ref), d.seed + run);
        for (size_t i = 0; i < want.size(); ++i) want[i] += ref[i];
        h_ws.poison();
        launchMoeExpertDecode(p, nullptr);
        sync("moe_expert_decode");
        r.err = std::max(r.err, relL2(out.result(s), want));
    }
    const auto q = sync_ws.download();
    if (std::any_of(q.begin(), q.end(), [](int v) { return v != 0; })) {
        r.ok = false;
        r.detail = "work queue not left at zero" + seedNote(d.seed);
    }
    if (r.err > 1e-2) r.detail += "error " + std::to_string(r.err) + seedNote(d.seed);
    return r;
}

CheckResult checkMoeExpertDecodeFused(const ExpertShape& s, const RouteShape& route)
{
    CheckResult r;
    const int E = s.n_routed + s.n_shared_slots, S = s.top_k + s.n_shared_slots;
    DeviceBuffer<__nv_bfloat16> x(s.hidden), w13(static_cast<size_t>(E) * 2 * s.inter * s.hidden),
        w2(static_cast<size_t>(E) * s.hidden * s.inter);
    DeviceBuffer<float> gate(static_cast<size_t>(s.n_routed) * s.hidden), x32(s.hidden);  // the fp32 router's inputs
    DeviceBuffer<int> ids(s.top_k), sync_ws(8);
    DeviceBuffer<float> weights(s.top_k), h_ws(static_cast<size_t>(S) * s.inter), logits(s.n_routed), bias(s.n_routed);
    OutBuffers out(s.hidden);
    ExpertData d = makeExperts(s, x, w13, w2, ids, weights);
    std::vector<float> gf, bf(s.n_routed);
    randomBf16(gate.size(), 4.0f / std::sqrt(static_cast<float>(s.hidden)), d.seed + 5, gf);
    for (float& g : gf)  // fp32 weights off the bf16 grid, so a bf16 router would be told apart
        g *= 1.0f + 1e-3f * std::sin(g * 1e4f);
    gate.upload(gf);
    x32.upload(d.x);
    std::mt19937_64 rng(d.seed + 6);
    std::uniform_real_distribution<float> bd(-0.1f, 0.1f);
    for (float& b : bf) b = bd(rng);
    bias.upload(bf);
    sync_ws.zero();

    MoeExpertDecodeParams p;
    p.x = x.get();
    p.w13 = w13.get();
    p.w2 = w2.get();
    p.topk_ids = ids.get();
    p.topk_weights = weights.get();
    p.out_f32 = s.out_bf16 ? nullptr : out.f32.get();
    p.out_bf16 = s.out_bf16 ? out.bf16.get() : nullptr;
    p.accumulate = s.accumulate;
    p.h_ws = h_ws.get();
    p.sync_ws = sync_ws.get();
    p.hidden = s.hidden;
    p.inter = s.inter;
    p.n_routed = s.n_routed;
    p.top_k = s.top_k;
    p.n_shared_slots = s.n_shared_slots;
    p.gate_w = gate.get();
    p.x_f32 = x32.get();
    p.bias = route.method == 2 ? bias.get() : nullptr;
    p.logits_ws = logits.get();
    p.n_group = route.n_group;
    p.topk_group = route.topk_group;
    p.method = static_cast<MoeRouteMethod>(route.method);
    p.scoring = static_cast<MoeScoring>(route.scoring);
    p.norm_topk_prob = route.norm_topk_prob;
    p.routed_scaling_factor = route.routed_scaling_factor;

    for (int run = 0; run < 2; ++run) {  // the second launch needs every counter reset by the first
        ids.poison();
        weights.poison();
        logits.poison();
        h_ws.poison();
        const std::vector<float> start = out.prepare(s, 0.05f, d.seed + run);
        launchMoeExpertDecode(p, nullptr);
        sync("moe_expert_decode (fused routing)");

        std::vector<float> ref_logits(s.n_routed);
        twins::moeRouteLogitsTwin(d.x.data(), gf.data(), 1, s.hidden, s.n_routed, ref_logits.data());
        const auto got_logits = logits.download();
        const double e_logits = relL2(got_logits, ref_logits);
        twins::RouteTwinConfig c{s.n_routed, s.top_k, route.n_group, route.topk_group, route.method, route.scoring,
                                 route.norm_topk_prob, route.routed_scaling_factor};
        std::vector<int> ref_ids(s.top_k);
        std::vector<float> ref_w(s.top_k);
        twins::moeRouteFromLogitsTwin(got_logits.data(), route.method == 2 ? bf.data() : nullptr, 1, c, ref_ids.data(),
                                      ref_w.data());
        const double e_w = relL2(weights.download(), ref_w);
        if (ids.download() != ref_ids || e_logits > 1e-5 || e_w > 1e-5) {
            r.ok = false;
            r.detail += "routing differs from the twin (logits err " + std::to_string(e_logits) + ", weights err " +
                        std::to_string(e_w) + ");";
        }
        std::vector<float> ref(s.hidden);
        twins::moeExpertDecodeTwin(d.x.data(), d.w13.data(), d.w2.data(), ref_ids.data(), ref_w.data(), s.hidden,
                                   s.inter, s.n_routed, s.top_k, s.n_shared_slots, ref.data());
        std::vector<float> want = start;
        for (size_t i = 0; i < want.size(); ++i) want[i] += ref[i];
        r.err = std::max(r.err, relL2(out.result(s), want));
    }
    const auto q = sync_ws.download();
    if (std::any_of(q.begin(), q.end(), [](int v) { return v != 0; })) {
        r.ok = false;
        r.detail += " counters not left at zero;";
    }
    if (!r.ok || r.err > 1e-2) r.detail += " error " + std::to_string(r.err) + seedNote(d.seed);
    return r;
}

CheckResult checkMoePrefill(const ExpertShape& s)
{
    CheckResult r;
    const int E = s.n_routed + s.n_shared_slots, S = s.top_k + s.n_shared_slots;
    const size_t T = s.n_tokens, A = T * S;
    DeviceBuffer<__nv_bfloat16> x(T * s.hidden), w13(static_cast<size_t>(E) * 2 * s.inter * s.hidden),
        w2(static_cast<size_t>(E) * s.hidden * s.inter);
    DeviceBuffer<int> ids(std::max<size_t>(T * s.top_k, 1));
    DeviceBuffer<float> weights(std::max<size_t>(T * s.top_k, 1));
    DeviceBuffer<int> sorted(A), slot_pos(A), offsets(E + 1), tile_offsets(E + 1);
    DeviceBuffer<__nv_bfloat16> h(A * s.inter), y(A * s.hidden);
    OutBuffers out(T * s.hidden);
    ExpertData d = makeExperts(s, x, w13, w2, ids, weights);
    h.poison();
    y.poison();

    MoePrefillParams p;
    p.x = x.get();
    p.w13 = w13.get();
    p.w2 = w2.get();
    p.topk_ids = s.top_k ? ids.get() : nullptr;
    p.topk_weights = s.top_k ? weights.get() : nullptr;
    p.out_f32 = s.out_bf16 ? nullptr : out.f32.get();
    p.out_bf16 = s.out_bf16 ? out.bf16.get() : nullptr;
    p.accumulate = s.accumulate;
    p.ws_sorted_token = sorted.get();
    p.ws_slot_pos = slot_pos.get();
    p.ws_offsets = offsets.get();
    p.ws_tile_offsets = tile_offsets.get();
    p.ws_h = h.get();
    p.ws_y = y.get();
    p.n_tokens = s.n_tokens;
    p.hidden = s.hidden;
    p.inter = s.inter;
    p.n_routed = s.n_routed;
    p.top_k = s.top_k;
    p.n_shared_slots = s.n_shared_slots;

    std::vector<float> ref(T * s.hidden);
    twins::moePrefillTwin(d.x.data(), d.w13.data(), d.w2.data(), d.ids.data(), d.weights.data(), s.n_tokens, s.hidden,
                          s.inter, s.n_routed, s.top_k, s.n_shared_slots, ref.data());
    std::vector<float> want = out.prepare(s, rms(ref), d.seed);
    for (size_t i = 0; i < want.size(); ++i) want[i] += ref[i];
    launchMoePrefill(p, nullptr);
    sync("moe_prefill");
    r.err = relL2(out.result(s), want);
    const auto off = offsets.download();
    if (off[E] != static_cast<int>(A)) { r.ok = false; r.detail = "offsets end at " + std::to_string(off[E]); }
    if (r.err > 1e-2 || !r.ok) r.detail += " error " + std::to_string(r.err) + seedNote(d.seed);
    return r;
}

CheckResult checkSwiglu(int n_tokens, int n)
{
    CheckResult r;
    const std::uint64_t seed = freshSeed();
    std::vector<float> inf;
    const auto inb = randomBf16(static_cast<size_t>(n_tokens) * 2 * n, 4.0f, seed, inf);
    DeviceBuffer<__nv_bfloat16> in(inb.size()), out(static_cast<size_t>(n_tokens) * n);
    in.upload(inb);
    out.poison();
    launchSwiglu(SwigluParams{in.get(), out.get(), n_tokens, n}, nullptr);
    sync("swiglu");
    std::vector<float> ref(out.size());
    twins::swigluTwin(inf.data(), n_tokens, n, ref.data());
    r.err = relL2(bf16ToFloat(out.download()), ref);
    if (r.err > 1e-2) r.detail = "error " + std::to_string(r.err) + seedNote(seed);
    return r;
}

namespace {

std::vector<float> randomLogits(size_t n, float scale, std::uint64_t seed)
{
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> nd(0.f, scale);
    std::vector<float> v(n);
    for (float& f : v) f = nd(rng);
    return v;
}

}  // namespace

namespace {

// One GPU draw: the kernel over `logits` with `st` (the fresh scratch is zeroed once, as the backend does).
int gpuDraw(DeviceBuffer<float>& dl, DeviceBuffer<SamplingSettings>& ds, DeviceBuffer<unsigned char>& scratch,
            DeviceBuffer<int>& out, int vocab, const SamplingSettings& st)
{
    ds.upload({st});
    out.poison();
    launchSampling(SamplingParams{dl.get(), vocab, ds.get(), out.get(), scratch.get()}, nullptr);
    sync("sampling");
    return out.download()[0];
}

SamplingSettings settingsFor(const SampleShape& s, const inference::SamplingParams& p, std::uint64_t draw,
                             const std::vector<std::int32_t>& recent)
{
    SamplingSettings st;
    st.temperature = p.temperature;
    st.top_k = p.topK;
    st.top_p = p.topP;
    st.min_p = p.minP;
    st.repetition_penalty = p.repetitionPenalty;
    st.presence_penalty = p.presencePenalty;
    st.frequency_penalty = p.frequencyPenalty;
    st.seed = p.seed;
    st.draw = draw;
    st.n_recent = static_cast<int>(recent.size());
    std::copy(recent.begin(), recent.end(), st.recent);
    (void)s;
    return st;
}

}  // namespace

CheckResult checkSampling(const SampleShape& s)
{
    CheckResult r;
    const std::uint64_t seed = freshSeed();
    std::mt19937_64 rng(seed);
    inference::SamplingParams p;
    p.temperature = s.temperature;
    p.topK = s.top_k;
    p.topP = s.top_p;
    p.minP = s.min_p;
    p.repetitionPenalty = s.repetition;
    p.presencePenalty = s.presence;
    p.frequencyPenalty = s.frequency;
    p.seed = seed;
    inference::Sampler cpu(p);
    DeviceBuffer<float> dl(static_cast<size_t>(s.vocab));
    DeviceBuffer<SamplingSettings> ds(1);
    DeviceBuffer<unsigned char> scratch(samplingScratchBytes());
    DeviceBuffer<int> out(1);
    scratch.zero();
    int mismatches = 0;
    for (int row = 0; row < s.n_rows; ++row) {
        const auto logits = randomLogits(static_cast<size_t>(s.vocab), 3.0f, seed + static_cast<std::uint64_t>(row));
        std::vector<std::int32_t> recent(static_cast<size_t>(s.n_recent));
        for (auto& t : recent)  // a small id range, so the window repeats tokens
            t = static_cast<std::int32_t>(rng() % static_cast<std::uint64_t>(std::min(s.vocab, 300)));
        const std::uint64_t draw = rng() % 100000;
        dl.upload(logits);
        const int got = gpuDraw(dl, ds, scratch, out, s.vocab, settingsFor(s, p, draw, recent));
        const int want = cpu.sample(logits.data(), s.vocab, recent, draw);
        if (got != want) {
            ++mismatches;
            r.detail += "row " + std::to_string(row) + ": token " + std::to_string(got) + ", CPU sampler " + std::to_string(want) + ";";
        }
    }
    // Scratch must come back zeroed (the next launch relies on it).
    const auto left = scratch.download();
    if (std::any_of(left.begin() + 8, left.end(), [](unsigned char b) { return b != 0; })) {
        r.ok = false;
        r.detail += " scratch not left zeroed;";
    }
    // Fixed-point weights from the device's expf and the host's can differ in the last bit, which moves
    // a draw only when it lands on a boundary: err is the fraction of rows that differ.
    r.err = double(mismatches) / std::max(1, s.n_rows);
    if (mismatches || !r.ok)
        r.detail += seedNote(seed);
    std::printf("[ sampling      %-28s ] %d/%d tokens equal the CPU sampler's\n", "", s.n_rows - mismatches, s.n_rows);
    return r;
}

CheckResult checkSamplingDistribution(const SampleShape& s)
{
    CheckResult r;
    const std::uint64_t seed = freshSeed();
    const auto row = randomLogits(static_cast<size_t>(s.vocab), 1.5f, seed);
    DeviceBuffer<float> dl(row.size());
    DeviceBuffer<SamplingSettings> ds(1);
    DeviceBuffer<unsigned char> scratch(samplingScratchBytes());
    DeviceBuffer<int> out(1);
    scratch.zero();
    dl.upload(row);
    inference::SamplingParams p;
    p.temperature = s.temperature;
    p.seed = seed;
    // The analytic distribution: softmax(z / T) (no filters in the rows that use this check).
    std::vector<double> probs(static_cast<size_t>(s.vocab));
    const float m = *std::max_element(row.begin(), row.end());
    double z = 0;
    for (int i = 0; i < s.vocab; ++i)
        z += probs[static_cast<size_t>(i)] = std::exp((row[static_cast<size_t>(i)] - m) / s.temperature);
    for (double& q : probs)
        q /= z;
    std::vector<int> count(static_cast<size_t>(s.vocab), 0);
    for (int d = 0; d < s.n_rows; ++d) {
        const int id = gpuDraw(dl, ds, scratch, out, s.vocab, settingsFor(s, p, static_cast<std::uint64_t>(d), {}));
        if (id < 0 || id >= s.vocab) {
            r.ok = false;
            r.detail = "token id out of range" + seedNote(seed);
            return r;
        }
        ++count[static_cast<size_t>(id)];
    }
    for (int i = 0; i < s.vocab; ++i) {
        const double n = s.n_rows, e = n * probs[static_cast<size_t>(i)];
        r.err = std::max(r.err, std::abs(count[static_cast<size_t>(i)] - e) / (std::sqrt(e * (1.0 - probs[static_cast<size_t>(i)])) + 1.0));
    }
    if (r.err > 5.0)
        r.detail += " max deviation " + std::to_string(r.err) + " sigma" + seedNote(seed);
    return r;
}

}  // namespace fathom::gputest
