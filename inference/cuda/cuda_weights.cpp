// Weight upload: a plan of pieces (device offset, size, a function that writes the piece's bf16
// bytes), laid out in one arena, then streamed by several threads through pinned buffers so host
// packing and PCIe copies overlap. Pieces are made per row block, so no layout ever needs a
// whole-model copy.
#include "inference/cuda/cuda_weights.h"

#include "base/error.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <string>

namespace fathom::inference::cuda {

namespace {

constexpr std::size_t kStaging = 64ull << 20;  // bytes per pinned staging buffer (two per worker)
constexpr unsigned kMaxUploadThreads = 8;       // past ~8 packers the host link, not the CPU, is the limit

// Rows [row0, row0+n) of a 2-D (or 1-D) tensor as bf16, converted if stored otherwise.
void rowsToBf16(const TensorView& t, std::int64_t row0, std::int64_t n, bf16* out)
{
    const std::int64_t cols = t.shape.size() >= 2 ? t.shape[1] : t.numel();
    const std::int64_t first = row0 * cols, count = n * cols;
    if (t.dtype == DType::BF16) {
        std::memcpy(out, t.data + first * 2, static_cast<std::size_t>(count) * 2);
        return;
    }
    std::vector<float> tmp(static_cast<std::size_t>(count));
    toFloat(t, first, count, tmp.data());
    fromFloat(DType::BF16, tmp.data(), count, reinterpret_cast<std::byte*>(out));
}

struct Piece {
    std::size_t offset = 0;  // in the arena
    std::size_t bytes = 0;
    std::function<void(bf16*)> produce;  // writes exactly `bytes` bytes
};

class Plan {
public:
    // Reserves `bytes` (256-aligned) and returns its arena offset.
    std::size_t reserve(std::size_t bytes)
    {
        const std::size_t at = m_size;
        m_size += (bytes + 255) & ~std::size_t(255);
        return at;
    }
    void add(std::size_t offset, std::size_t bytes, std::function<void(bf16*)> f)
    {
        m_pieces.push_back({offset, bytes, std::move(f)});
    }
    // A whole tensor verbatim (rows split so each piece fits a staging buffer); reused when the same
    // bytes were planned already (aliased synthetic layers).
    std::size_t tensor(const TensorView& t)
    {
        const auto key = std::make_pair(static_cast<const void*>(t.data), t.nbytes);
        if (auto it = m_seen.find(key); it != m_seen.end())
            return it->second;
        const std::int64_t rows = t.shape.size() >= 2 ? t.shape[0] : 1;
        const std::size_t rowBytes = static_cast<std::size_t>(t.numel() / rows) * 2;
        const std::size_t at = reserve(rowBytes * rows);
        const std::int64_t step = std::max<std::int64_t>(1, static_cast<std::int64_t>(kStaging / rowBytes));
        for (std::int64_t r = 0; r < rows; r += step) {
            const std::int64_t n = std::min(step, rows - r);
            add(at + r * rowBytes, n * rowBytes, [tp = &t, r, n](bf16* out) { rowsToBf16(*tp, r, n, out); });
        }
        m_seen[key] = at;
        return at;
    }
    // A derived layout keyed by its first source tensor, so aliased layers share it too.
    bool seen(const char* kind, const TensorView& t, std::size_t& at)
    {
        const auto key = std::make_pair(static_cast<const void*>(t.data), std::hash<std::string>()(kind) ^ t.nbytes);
        if (auto it = m_seen.find(key); it != m_seen.end()) {
            at = it->second;
            return true;
        }
        m_pending = key;
        return false;
    }
    void remember(std::size_t at) { m_seen[m_pending] = at; }

    std::size_t size() const { return m_size; }
    const std::vector<Piece>& pieces() const { return m_pieces; }

private:
    std::size_t m_size = 0;
    std::vector<Piece> m_pieces;
    std::map<std::pair<const void*, std::size_t>, std::size_t> m_seen;
    std::pair<const void*, std::size_t> m_pending;
};

// Several workers, each with two pinned buffers and its own stream: a worker packs pieces into one
// buffer while the other's copy runs. One thread packing from the page cache tops out near 5 GB/s
// (memcpy plus page faults), so the packing is spread over threads to feed the bus. The calling
// thread is worker 0 and the only one that reports progress (a callback may throw to cancel).
void stream(const Plan& plan, std::byte* arena, const std::function<void(double)>& progress)
{
    const std::vector<Piece>& pieces = plan.pieces();
    const unsigned workers = std::clamp(std::thread::hardware_concurrency(), 1u, kMaxUploadThreads);
    std::atomic<std::size_t> next{0}, doneBytes{0};
    std::atomic<bool> abort{false};
    std::mutex errorMutex;
    std::exception_ptr error;
    const double total = static_cast<double>(std::max<std::size_t>(plan.size(), 1));
    int device = 0;
    check(cudaGetDevice(&device), "reading the current GPU");

    auto work = [&](bool reports) {
        struct Staging {
            void* host = nullptr;
            cudaEvent_t done = nullptr;
        } st[2];
        cudaStream_t s = nullptr;
        auto cleanup = [&] {
            for (auto& b : st) {
                if (b.done)
                    cudaEventSynchronize(b.done), cudaEventDestroy(b.done);
                if (b.host)
                    cudaFreeHost(b.host);
            }
            if (s)
                cudaStreamDestroy(s);
        };
        try {
            check(cudaSetDevice(device), "selecting the GPU for an upload thread");
            check(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "creating an upload stream");
            for (auto& b : st) {
                check(cudaHostAlloc(&b.host, kStaging, cudaHostAllocDefault), "allocating pinned staging memory");
                check(cudaEventCreateWithFlags(&b.done, cudaEventDisableTiming), "creating an upload event");
            }
            int cur = 0;
            std::size_t used = 0;
            auto flush = [&] {
                check(cudaEventRecord(st[cur].done, s), "recording an upload event");
                cur ^= 1;
                used = 0;
                check(cudaEventSynchronize(st[cur].done), "waiting for an upload");
            };
            for (std::size_t i; !abort && (i = next.fetch_add(1)) < pieces.size();) {
                const Piece& p = pieces[i];
                if (p.bytes > kStaging)
                    throwInternalError("weight upload: piece of " + std::to_string(p.bytes) + " bytes exceeds the staging buffer");
                if (used + p.bytes > kStaging)
                    flush();
                std::byte* h = static_cast<std::byte*>(st[cur].host) + used;
                p.produce(reinterpret_cast<bf16*>(h));
                check(cudaMemcpyAsync(arena + p.offset, h, p.bytes, cudaMemcpyHostToDevice, s), "copying weights to the GPU");
                used += (p.bytes + 15) & ~std::size_t(15);
                const std::size_t sofar = doneBytes += p.bytes;
                if (reports && progress)
                    progress(static_cast<double>(sofar) / total);
            }
            check(cudaStreamSynchronize(s), "uploading weights");
        } catch (...) {
            abort = true;
            std::lock_guard lock(errorMutex);
            if (!error)
                error = std::current_exception();
        }
        cleanup();
    };
    std::vector<std::thread> threads;
    for (unsigned t = 1; t < workers; ++t)
        threads.emplace_back(work, false);
    work(true);
    for (std::thread& t : threads)
        t.join();
    if (error)
        std::rethrow_exception(error);
}

}  // namespace

CudaWeights::CudaWeights(const ModelConfig& c, const WeightStore& w, const std::function<void(double)>& progress)
{
    const auto t0 = std::chrono::steady_clock::now();
    const std::int64_t H = c.hiddenSize, NH = c.numHeads, nope = c.qkNopeHeadDim, rope = c.qkRopeHeadDim;
    const std::int64_t rank = c.kvLoraRank, vdim = c.vHeadDim, qDim = nope + rope;
    const bool qLora = c.qLoraRank > 0;
    const std::int64_t qRows = qLora ? c.qLoraRank : NH * qDim;  // rows of the q part of qkva
    Plan plan;
    struct Offsets {
        std::size_t in, post, qkva, kvANorm, kvB, ukT, o, qANorm = 0, qB = 0, router = 0, bias = 0, w13 = 0, w2 = 0;
    };
    std::vector<Offsets> off(static_cast<std::size_t>(c.numLayers));
    m_layers.resize(static_cast<std::size_t>(c.numLayers));

    const std::size_t embedAt = plan.tensor(w.get("model.embed_tokens.weight"));
    const std::size_t normAt = plan.tensor(w.get("model.norm.weight"));
    const std::size_t headAt = plan.tensor(w.get(c.tieWordEmbeddings ? "model.embed_tokens.weight" : "lm_head.weight"));

    for (std::int64_t l = 0; l < c.numLayers; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        Offsets& o = off[static_cast<std::size_t>(l)];
        CudaLayerWeights& L = m_layers[static_cast<std::size_t>(l)];
        o.in = plan.tensor(w.get(p + "input_layernorm.weight"));
        o.post = plan.tensor(w.get(p + "post_attention_layernorm.weight"));
        o.kvANorm = plan.tensor(w.get(p + "self_attn.kv_a_layernorm.weight"));
        o.kvB = plan.tensor(w.get(p + "self_attn.kv_b_proj.weight"));
        o.o = plan.tensor(w.get(p + "self_attn.o_proj.weight"));

        // q_proj, or q_a_proj with its norm and q_b_proj when q_lora_rank is set (V2 / V3 attention).
        const TensorView& q = w.get(p + (qLora ? "self_attn.q_a_proj.weight" : "self_attn.q_proj.weight"));
        if (qLora) {
            o.qANorm = plan.tensor(w.get(p + "self_attn.q_a_layernorm.weight"));
            o.qB = plan.tensor(w.get(p + "self_attn.q_b_proj.weight"));
        }
        const TensorView& kva = w.get(p + "self_attn.kv_a_proj_with_mqa.weight");
        if (!plan.seen("qkva", q, o.qkva)) {  // [q_proj or q_a_proj; kv_a]: one GEMV reads both
            o.qkva = plan.reserve(static_cast<std::size_t>((qRows + rank + rope) * H) * 2);
            plan.remember(o.qkva);
            const std::int64_t step = std::max<std::int64_t>(1, static_cast<std::int64_t>(kStaging / (H * 2)));
            for (std::int64_t r = 0; r < qRows; r += step)
                plan.add(o.qkva + r * H * 2, std::min(step, qRows - r) * H * 2,
                         [qp = &q, r, n = std::min(step, qRows - r)](bf16* out) { rowsToBf16(*qp, r, n, out); });
            plan.add(o.qkva + qRows * H * 2, (rank + rope) * H * 2,
                     [kp = &kva, n = rank + rope](bf16* out) { rowsToBf16(*kp, 0, n, out); });
        }
        const TensorView& kvb = w.get(p + "self_attn.kv_b_proj.weight");
        if (!plan.seen("ukT", kvb, o.ukT)) {  // ukT[h][c][d] = kv_b[h*(nope+v) + d][c]
            o.ukT = plan.reserve(static_cast<std::size_t>(NH * rank * nope) * 2);
            plan.remember(o.ukT);
            for (std::int64_t h = 0; h < NH; ++h)
                plan.add(o.ukT + h * rank * nope * 2, rank * nope * 2, [kp = &kvb, h, rank, nope, vdim](bf16* out) {
                    std::vector<bf16> rows(static_cast<std::size_t>(nope * rank));
                    rowsToBf16(*kp, h * (nope + vdim), nope, rows.data());
                    for (std::int64_t d = 0; d < nope; ++d)
                        for (std::int64_t cc = 0; cc < rank; ++cc)
                            out[cc * nope + d] = rows[static_cast<std::size_t>(d * rank + cc)];
                });
        }

        // MLP / MoE experts in the MoE kernels' slot layout.
        const bool moe = c.isMoeLayer(l);
        L.moe = moe;
        L.nRouted = moe ? static_cast<int>(c.nRoutedExperts) : 0;
        L.nSharedSlots = moe ? static_cast<int>(c.nSharedExperts) : 1;
        const std::int64_t realInter = moe ? c.moeIntermediateSize : c.intermediateSize;
        L.inter = static_cast<int>((realInter + 63) / 64 * 64);  // zero-padded to the kernels' 64-row block
        const std::int64_t inter = L.inter, slots = L.nRouted + L.nSharedSlots;
        if (moe) {
            const TensorView& gate = w.get(p + "mlp.gate.weight");  // widened to fp32: the router runs in fp32
            if (!plan.seen("router", gate, o.router)) {
                o.router = plan.reserve(static_cast<std::size_t>(gate.numel()) * 4);
                plan.remember(o.router);
                const std::int64_t step = std::max<std::int64_t>(1, static_cast<std::int64_t>(kStaging / (H * 4)));
                for (std::int64_t r = 0; r < c.nRoutedExperts; r += step)
                    plan.add(o.router + r * H * 4, std::min(step, c.nRoutedExperts - r) * H * 4,
                             [gp = &gate, r, n = std::min(step, c.nRoutedExperts - r), H](bf16* out) {
                                 toFloat(*gp, r * H, n * H, reinterpret_cast<float*>(out));
                             });
            }
            if (c.topkMethod == TopkMethod::NoauxTc) {
                const TensorView& b = w.get(p + "mlp.gate.e_score_correction_bias");
                o.bias = plan.reserve(static_cast<std::size_t>(c.nRoutedExperts) * 4);
                plan.add(o.bias, c.nRoutedExperts * 4, [bp = &b](bf16* out) { toFloat(*bp, 0, bp->numel(), reinterpret_cast<float*>(out)); });
            }
        }
        // Source of slot e: (prefix, first intermediate row) — routed experts whole, shared pieces cut.
        auto slotSource = [&](std::int64_t e) {
            if (!moe)
                return std::make_pair(p + "mlp.", std::int64_t(0));
            if (e < L.nRouted)
                return std::make_pair(p + "mlp.experts." + std::to_string(e) + ".", std::int64_t(0));
            return std::make_pair(p + "mlp.shared_experts.", (e - L.nRouted) * realInter);
        };
        const TensorView& firstGate = w.get(slotSource(0).first + "gate_proj.weight");
        if (!plan.seen("w13", firstGate, o.w13)) {
            o.w13 = plan.reserve(static_cast<std::size_t>(slots * 2 * inter * H) * 2);
            o.w2 = plan.reserve(static_cast<std::size_t>(slots * H * inter) * 2);
            plan.remember(o.w13);
            for (std::int64_t e = 0; e < slots; ++e) {
                const auto [pre, row0] = slotSource(e);
                const TensorView& g = w.get(pre + "gate_proj.weight");
                const TensorView& u = w.get(pre + "up_proj.weight");
                const TensorView& d = w.get(pre + "down_proj.weight");
                // w13 in pieces of at most 64 blocks (64 gate + 64 up rows each); rows past the
                // model's intermediate size (the last block when it is not a multiple of 64) are zero.
                const std::int64_t blocks = inter / 64, perPiece = std::max<std::int64_t>(1, kStaging / (128 * H * 2));
                for (std::int64_t b0 = 0; b0 < blocks; b0 += perPiece) {
                    const std::int64_t nb = std::min(perPiece, blocks - b0);
                    plan.add(o.w13 + ((e * 2 * inter) + b0 * 128) * H * 2, nb * 128 * H * 2,
                             [gp = &g, up = &u, row0 = row0, b0, nb, H, realInter](bf16* out) {
                                 if ((b0 + nb) * 64 > realInter)  // only a padded last block needs zeros
                                     std::memset(out, 0, static_cast<std::size_t>(nb * 128 * H) * 2);
                                 for (std::int64_t b = 0; b < nb; ++b) {
                                     const std::int64_t first = (b0 + b) * 64;
                                     const std::int64_t n = std::min<std::int64_t>(64, realInter - first);
                                     if (n <= 0)
                                         continue;
                                     rowsToBf16(*gp, row0 + first, n, out + b * 128 * H);
                                     rowsToBf16(*up, row0 + first, n, out + (b * 128 + 64) * H);
                                 }
                             });
                }
                // w2[e] = down_proj columns [row0, row0+realInter) of [H, cols], zero-padded to inter.
                plan.add(o.w2 + e * H * inter * 2, H * inter * 2, [dp = &d, row0 = row0, inter, realInter, H](bf16* out) {
                    const std::int64_t cols = dp->shape[1];
                    std::vector<bf16> row(static_cast<std::size_t>(cols));
                    if (realInter < inter)
                        std::memset(out, 0, static_cast<std::size_t>(H * inter) * 2);
                    for (std::int64_t r = 0; r < H; ++r) {
                        rowsToBf16(*dp, r, 1, row.data());
                        std::memcpy(out + r * inter, row.data() + row0, static_cast<std::size_t>(realInter) * 2);
                    }
                });
            }
        } else {
            o.w2 = o.w13 + static_cast<std::size_t>(((slots * 2 * inter * H) * 2 + 255) & ~std::int64_t(255));
        }
    }

    m_arena.allocate(plan.size(), "the model's weights (" + std::to_string(plan.size() >> 20) + " MiB in bf16)");
    std::byte* base = m_arena.as<std::byte>();
    auto at = [base](std::size_t o) { return reinterpret_cast<const bf16*>(base + o); };
    m_embed = at(embedAt);
    m_finalNorm = at(normAt);
    m_lmHead = at(headAt);
    for (std::size_t l = 0; l < m_layers.size(); ++l) {
        const Offsets& o = off[l];
        CudaLayerWeights& L = m_layers[l];
        L.inputNorm = at(o.in);
        L.postNorm = at(o.post);
        L.qkva = at(o.qkva);
        L.qANorm = qLora ? at(o.qANorm) : nullptr;
        L.qB = qLora ? at(o.qB) : nullptr;
        L.kvANorm = at(o.kvANorm);
        L.kvB = at(o.kvB);
        L.ukT = at(o.ukT);
        L.oProj = at(o.o);
        L.router = L.moe ? reinterpret_cast<const float*>(base + o.router) : nullptr;
        L.routerBias = o.bias ? reinterpret_cast<const float*>(base + o.bias) : nullptr;
        L.w13 = at(o.w13);
        L.w2 = at(o.w2);
    }
    stream(plan, base, progress);
    m_stats.bytes = static_cast<double>(plan.size());
    m_stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace fathom::inference::cuda
