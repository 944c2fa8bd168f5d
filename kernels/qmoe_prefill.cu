// Quantized prefill MoE: (1) one block sorts the routed assignments by expert (as moe_prefill),
// (2) grouped GEMM x·[gate|up]ᵀ with SwiGLU in the epilogue, routed experts and then the shared
// expert, (3) grouped GEMM h·downᵀ, (4) each token gathers its rows with the routing weights in a
// fixed order (deterministic, no atomics).
//
// Why fused tiles rather than dequantizing the batch's experts to a bf16 scratch and calling
// moe_prefill: at 512 tokens nearly every expert is used, so the scratch path reads the packed
// bytes, writes bf16 and reads bf16 again (~2.6 GB per V2-Lite layer at Q4_K_M); decoding inside
// the tile loader reads only the packed ~0.35 GB (docs/PERFORMANCE.md), and the decode's ALU work
// runs beside the MMAs of the other resident blocks (not yet measured). Routed and shared experts differ in type and intermediate size; they share
// one launch per GEMM for the type pairs of real files, else run as two (one instance per type).
#include "kernels/qmoe_prefill.cuh"

#include <string>

#include "kernels/dequantize.cuh"
#include "kernels/moe_common.cuh"
#include "kernels/qmoe_gemm.cuh"

namespace fathom::kernels {
namespace {

constexpr int kSortThreads = 1024;
constexpr int kMaxExperts = 2048;
using qgemm::kBM;
using qgemm::kBN;

__global__ void __launch_bounds__(kSortThreads) sortKernel(QMoePrefillParams p)
{
    __shared__ int cnt[kMaxExperts];
    const int E = p.n_routed, K = p.top_k;
    const int A = p.n_tokens * K;
    for (int e = threadIdx.x; e < E; e += kSortThreads) cnt[e] = 0;
    __syncthreads();
    for (int a = threadIdx.x; a < A; a += kSortThreads) atomicAdd(&cnt[p.topk_ids[a]], 1);
    __syncthreads();
    if (threadIdx.x == 0) detail::expertOffsets(cnt, E, p.ws_offsets, p.ws_tile_offsets);
    __syncthreads();
    // Order inside an expert depends on atomics, but every row is computed independently and
    // gathered back by position, so the result does not.
    for (int a = threadIdx.x; a < A; a += kSortThreads) {
        const int pos = atomicAdd(&cnt[p.topk_ids[a]], 1);
        p.ws_sorted_token[pos] = a / K;
        p.ws_slot_pos[a] = pos;
    }
}

// out[t] (+)= Σ_k weight_k · y[pos(t, k)] + y[T·K + t] (shared), one block per token, 8 columns per thread.
__global__ void __launch_bounds__(256) combineKernel(QMoePrefillParams p)
{
    const int t = blockIdx.x;
    const int K = p.top_k;
    const int nc = p.hidden / 8;
    for (int c = threadIdx.x; c < nc; c += 256) {
        float acc[8] = {};
        for (int s = 0; s < K + p.has_shared; ++s) {
            const size_t pos = s < K ? static_cast<size_t>(p.ws_slot_pos[static_cast<size_t>(t) * K + s])
                                     : static_cast<size_t>(p.n_tokens) * K + t;
            const float w = s < K ? p.topk_weights[static_cast<size_t>(t) * K + s] : 1.0f;
            const uint4 y = __ldg(reinterpret_cast<const uint4*>(p.ws_y + pos * p.hidden) + c);
            detail::accumulateBf16x8(acc, w, y);
        }
        const size_t base = static_cast<size_t>(t) * p.hidden + static_cast<size_t>(c) * 8;
        detail::storeCombined(acc, p.out_f32, p.out_bf16, p.accumulate, base);
    }
}

// One grouped GEMM launch with the weight type known at compile time.
struct GemmLaunch {
    const qgemm::Args& g;
    bool swiglu;
    int mtiles;
    cudaStream_t stream;
    template <WType T>
    void operator()() const
    {
        const dim3 grid(mtiles, swiglu ? g.N / 64 : g.N / kBN);
        if (swiglu)
            qgemm::qGroupedGemmKernel<T, true><<<grid, qgemm::kThreads, 0, stream>>>(g);
        else
            qgemm::qGroupedGemmKernel<T, false><<<grid, qgemm::kThreads, 0, stream>>>(g);
    }
};

// Routed and shared tiles in one launch, for the type pairs GGUF Q4_K_M / Q8_0 files of DeepSeek
// V2 hold (each pair is one more kernel instance, so not all 121). false: no instance for this pair.
template <WType TR, WType TS, bool kSwiglu>
bool launchPair(const qgemm::Args& r, const qgemm::Args& s, int r_mtiles, int s_mtiles, cudaStream_t stream)
{
    const int per = kSwiglu ? 64 : kBN;
    const int r_ntiles = r.N / per, s_ntiles = s.N / per;
    const unsigned blocks = static_cast<unsigned>(s_mtiles * s_ntiles + r_mtiles * r_ntiles);  // see qGroupedGemmPairKernel
    qgemm::qGroupedGemmPairKernel<TR, TS, kSwiglu><<<blocks, qgemm::kThreads, 0, stream>>>(r, s, r_mtiles, s_mtiles, s_ntiles);
    return true;
}

bool launchPairUp(WType tr, WType ts, const qgemm::Args& r, const qgemm::Args& s, int rm, int sm, cudaStream_t st)
{
    if (tr == WType::Q4_K && ts == WType::Q4_K) return launchPair<WType::Q4_K, WType::Q4_K, true>(r, s, rm, sm, st);
    if (tr == WType::Q8_0 && ts == WType::Q8_0) return launchPair<WType::Q8_0, WType::Q8_0, true>(r, s, rm, sm, st);
    return false;
}

bool launchPairDown(WType tr, WType ts, const qgemm::Args& r, const qgemm::Args& s, int rm, int sm, cudaStream_t st)
{
    // The routed down rows are 1408 wide (not a multiple of 256): Q5_0 or Q8_0; the shared 2816: any.
    if (tr == WType::Q5_0 && ts == WType::Q6_K) return launchPair<WType::Q5_0, WType::Q6_K, false>(r, s, rm, sm, st);
    if (tr == WType::Q5_0 && ts == WType::Q4_K) return launchPair<WType::Q5_0, WType::Q4_K, false>(r, s, rm, sm, st);
    if (tr == WType::Q8_0 && ts == WType::Q6_K) return launchPair<WType::Q8_0, WType::Q6_K, false>(r, s, rm, sm, st);
    if (tr == WType::Q8_0 && ts == WType::Q4_K) return launchPair<WType::Q8_0, WType::Q4_K, false>(r, s, rm, sm, st);
    if (tr == WType::Q8_0 && ts == WType::Q8_0) return launchPair<WType::Q8_0, WType::Q8_0, false>(r, s, rm, sm, st);
    return false;
}

// The contract of one group: shapes of gate/up/down against hidden, inter and the expert count.
void checkGroup(const QMoeGroup& gr, int n_experts, int hidden, const char* op, const std::string& name)
{
    using detail::require;
    require(gr.inter > 0 && gr.inter % 64 == 0, op, name + ".inter " + std::to_string(gr.inter) + " must be a multiple of 64");
    checkQMatrix(gr.gate, op, (name + ".gate").c_str());
    checkQMatrix(gr.up, op, (name + ".up").c_str());
    checkQMatrix(gr.down, op, (name + ".down").c_str());
    require(gr.gate.type == gr.up.type, op, name + ": gate and up must share a type");
    const long long gate_rows = static_cast<long long>(n_experts) * gr.inter;
    const long long down_rows = static_cast<long long>(n_experts) * hidden;
    require(gr.gate.cols == hidden && gr.up.cols == hidden && gr.gate.rows == gate_rows && gr.up.rows == gate_rows, op,
            name + ": gate/up must be [" + std::to_string(gate_rows) + ", " + std::to_string(hidden) + "], gate is [" +
                std::to_string(gr.gate.rows) + ", " + std::to_string(gr.gate.cols) + "]");
    require(gr.down.cols == gr.inter && gr.down.rows == down_rows, op,
            name + ": down must be [" + std::to_string(down_rows) + ", " + std::to_string(gr.inter) + "], is [" +
                std::to_string(gr.down.rows) + ", " + std::to_string(gr.down.cols) + "]");
}

}  // namespace

void launchQMoePrefill(const QMoePrefillParams& p, cudaStream_t stream)
{
    using detail::require;
    const char* op = "qmoe_prefill";
    const int K = p.top_k;
    require(p.x && p.ws_y, op, "x and ws_y must be set");
    require((p.out_f32 != nullptr) != (p.out_bf16 != nullptr), op, "exactly one of out_f32 and out_bf16 must be set");
    require(K >= 0 && (K > 0 || p.has_shared), op, "nothing to compute: top_k is 0 and there is no shared expert");
    require(p.hidden > 0 && p.hidden % kBN == 0, op, "hidden " + std::to_string(p.hidden) + " must be a multiple of 128");
    require(p.n_tokens >= 0 && static_cast<long long>(p.n_tokens) * (K + 1) < (1LL << 31) / 2, op, "too many tokens");
    if (K > 0) {
        require(p.n_routed >= 1 && p.n_routed <= kMaxExperts, op,
                "n_routed " + std::to_string(p.n_routed) + " must be in 1..2048");
        require(p.topk_ids && p.topk_weights && p.ws_sorted_token && p.ws_slot_pos && p.ws_offsets && p.ws_tile_offsets, op,
                "topk_ids/topk_weights or a sort workspace is null");
        checkGroup(p.routed, p.n_routed, p.hidden, op, "routed");
    }
    if (p.has_shared) checkGroup(p.shared, 1, p.hidden, op, "shared");
    require(p.ws_h != nullptr, op, "ws_h must be set");
    require(detail::aligned16(p.x) && detail::aligned16(p.ws_h) && detail::aligned16(p.ws_y) &&
                (!p.out_f32 || detail::aligned16(p.out_f32)) && (!p.out_bf16 || detail::aligned16(p.out_bf16)),
            op, "x, workspaces and out must be 16-byte aligned");
    if (p.n_tokens == 0) return;

    const int T = p.n_tokens;
    const size_t routed_rows = static_cast<size_t>(T) * K;
    __nv_bfloat16* h_shared = p.ws_h + routed_rows * p.routed.inter * (K > 0);
    __nv_bfloat16* y_shared = p.ws_y + routed_rows * p.hidden;
    auto bytes = [](const QMatrix& m) { return static_cast<const std::uint8_t*>(m.data); };

    // The four GEMMs: routed up, shared up, routed down, shared down; a routed/shared pair shares a
    // launch where an instance exists for its two types (launchPairUp / launchPairDown).
    const int r_mtiles = static_cast<int>(routed_rows / kBM) + p.n_routed + 1;  // bound; extra blocks exit at once
    const int s_mtiles = (T + kBM - 1) / kBM;
    const QMoeGroup& r = p.routed;
    const QMoeGroup& s = p.shared;
    const qgemm::Args r_up{p.x, p.ws_sorted_token, bytes(r.gate), bytes(r.up), r.gate.row_bytes, p.ws_h,
                           p.ws_offsets, p.ws_tile_offsets, p.n_routed, 0, r.inter, p.hidden, r.inter};
    const qgemm::Args r_down{p.ws_h, nullptr, bytes(r.down), nullptr, r.down.row_bytes, p.ws_y,
                             p.ws_offsets, p.ws_tile_offsets, p.n_routed, 0, p.hidden, r.inter, p.hidden};
    const qgemm::Args s_up{p.x, nullptr, bytes(s.gate), bytes(s.up), s.gate.row_bytes, h_shared,
                           nullptr, nullptr, 1, T, s.inter, p.hidden, s.inter};
    const qgemm::Args s_down{h_shared, nullptr, bytes(s.down), nullptr, s.down.row_bytes, y_shared,
                             nullptr, nullptr, 1, T, p.hidden, s.inter, p.hidden};
    if (K > 0) {
        sortKernel<<<1, kSortThreads, 0, stream>>>(p);
        detail::checkLaunch(op);
    }
    const bool both = K > 0 && p.has_shared;
    if (!(both && launchPairUp(r.gate.type, s.gate.type, r_up, s_up, r_mtiles, s_mtiles, stream))) {
        if (K > 0) qblocks::dispatchWType(r.gate.type, GemmLaunch{r_up, true, r_mtiles, stream});
        if (p.has_shared) qblocks::dispatchWType(s.gate.type, GemmLaunch{s_up, true, s_mtiles, stream});
    }
    detail::checkLaunch(op);
    if (!(both && launchPairDown(r.down.type, s.down.type, r_down, s_down, r_mtiles, s_mtiles, stream))) {
        if (K > 0) qblocks::dispatchWType(r.down.type, GemmLaunch{r_down, false, r_mtiles, stream});
        if (p.has_shared) qblocks::dispatchWType(s.down.type, GemmLaunch{s_down, false, s_mtiles, stream});
    }
    detail::checkLaunch(op);
    combineKernel<<<T, 256, 0, stream>>>(p);
    detail::checkLaunch(op);
}

}  // namespace fathom::kernels
