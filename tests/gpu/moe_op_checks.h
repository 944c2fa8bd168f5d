// The MoE and sampling rows' checks for the GPU op table: each draws fresh random inputs, poisons the outputs,
// runs the kernel and its CPU twin, and returns the error (and what else went wrong).
#pragma once

#include <string>

namespace fathom::gputest {

struct CheckResult {
    double err = 0.0;   // relative L2 (or the check's own measure, see the row)
    bool ok = true;     // exact parts of the check (ids, counters, written elements)
    std::string detail; // what failed, with the seed
};

struct RouteShape {
    int n_tokens, hidden, n_routed, top_k, n_group, topk_group;
    int method;   // MoeRouteMethod value
    int scoring;  // MoeScoring value
    bool norm_topk_prob;
    float routed_scaling_factor;
};

struct ExpertShape {
    int n_tokens;  // 1 for moe_expert_decode
    int hidden, inter, n_routed, top_k, n_shared_slots;
    bool out_bf16;
    bool accumulate;
};

struct SampleShape {
    int n_rows, vocab;  // rows: independent draws, each on fresh logits (one launch each)
    float temperature;
    int top_k;
    float top_p;
    float min_p = 0.f;
    float repetition = 1.f, presence = 0.f, frequency = 0.f;
    int n_recent = 0;  // penalty window length
};

// err = max(rel L2 of logits, rel L2 of weights); ids must equal the twin routing the kernel's logits.
CheckResult checkMoeRoute(const RouteShape& s);
// err = rel L2 of the experts' output; run twice to check the queue resets itself.
CheckResult checkMoeExpertDecode(const ExpertShape& s);
// Fused routing inside moe_expert_decode: ids and weights must equal the twin routing the kernel's
// logits (logits within 1e-5); err = rel L2 of the output against the expert twin.
CheckResult checkMoeExpertDecodeFused(const ExpertShape& s, const RouteShape& route);
CheckResult checkMoePrefill(const ExpertShape& s);
CheckResult checkSwiglu(int n_tokens, int n);
// err = the fraction of rows whose token differs from the engine's CPU Sampler (the twin) on the
// same logits, window and draw number; ok = the scratch came back zeroed.
CheckResult checkSampling(const SampleShape& s);
// n_rows draws of one row (temperature only): err = max over tokens of |count − n·p| / (sqrt(n·p·(1−p)) + 1).
CheckResult checkSamplingDistribution(const SampleShape& s);

}  // namespace fathom::gputest
