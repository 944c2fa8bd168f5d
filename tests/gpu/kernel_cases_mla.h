// The MLA rows of kernel_ops_test: latent-cache append, absorbed decode and prefill over a
// paged cache whose block table is a random permutation (so paging bugs show), with every slot
// the op must not read or write left as NaN poison.
#pragma once

#include "tests/gpu/kernel_cases_attn.h"

#include <cublas_v2.h>

#include <numeric>

namespace fathom::attntest {

constexpr int kPage = 64, kLat = 512, kRopeDim = 64, kWidth = 576;

// A paged latent cache on the device: logical page i lives at physical page table[i].
struct PagedCache {
    int logicalPages = 0, physicalPages = 0;
    std::vector<std::int32_t> table;
    DevBuf cache, dtable;
    PagedCache(int tokens, Rng& rng)
    {
        logicalPages = std::max(1, (tokens + kPage - 1) / kPage);
        physicalPages = logicalPages + 3;  // spare pages stay poisoned
        std::vector<std::int32_t> perm(physicalPages);
        std::iota(perm.begin(), perm.end(), 0);
        for (int i = physicalPages - 1; i > 0; --i)
            std::swap(perm[i], perm[rng.below(i + 1)]);
        table.assign(perm.begin(), perm.begin() + logicalPages);
        cache.resize(size_t(physicalPages) * kPage * kWidth * 2);  // poisoned
        uploadRaw(dtable, table);
    }
    size_t slot(int pos) const { return (size_t(table[pos / kPage]) * kPage + pos % kPage) * kWidth; }
    // Writes bf16 rows [tokens, 576] for positions 0..tokens-1.
    void fill(const std::vector<float>& rows, int tokens)
    {
        for (int t = 0; t < tokens; ++t) {
            std::vector<std::uint16_t> b(kWidth);
            for (int c = 0; c < kWidth; ++c)
                b[c] = toBf16Bits(rows[size_t(t) * kWidth + c]);
            check(cudaMemcpy(cache.as<std::uint16_t>() + slot(t), b.data(), kWidth * 2, cudaMemcpyHostToDevice), "fill");
        }
    }
};

// ---- mla_kv_append -----------------------------------------------------------------------------
struct KvAppendShape {
    int tokens, rowStride, offset;  // kv at offset inside rows of rowStride (decode: inside the qkv output)
    std::string name() const { return dims({tokens, rowStride}); }
};
struct KvAppendCase {
    KvAppendShape s;
    int stride;
    std::vector<float> kv, w;
    std::vector<std::int32_t> pos;
    inference::cpu::RopeTables tab = v2LiteRope(640);
    PagedCache paged;
    KvAppendCase(const KvAppendShape& shape, Rng& rng)
        : s(shape), stride(s.rowStride), kv(rng.floats(size_t(s.tokens) * stride, -2, 2)),
          w(rng.bf16Values(kLat, 0.5f, 1.5f)), paged(640, rng)
    {
        std::vector<std::int32_t> all(640);
        std::iota(all.begin(), all.end(), 0);
        for (int i = 0; i < s.tokens; ++i)
            std::swap(all[i], all[i + rng.below(640 - i)]);
        pos.assign(all.begin(), all.begin() + s.tokens);
    }
    // The written rows, then the count of slots written that should not have been (twin: 0).
    std::vector<float> kernel()
    {
        DevBuf dkv, dw, dpos, dcos, dsin;
        upload(dkv, kv);
        uploadBf16(dw, w);
        uploadRaw(dpos, pos);
        upload(dcos, tab.cos);
        upload(dsin, tab.sin);
        kernels::MlaKvAppendParams p;
        p.kv = dkv.as<float>() + s.offset;
        p.kv_row_stride = stride;
        p.norm_weight = dw.get();
        p.positions = dpos.as<std::int32_t>();
        p.cos = dcos.as<float>();
        p.sin = dsin.as<float>();
        p.max_position = tab.positions;
        p.block_table = paged.dtable.as<std::int32_t>();
        p.max_blocks = paged.logicalPages;
        p.cache = paged.cache.get();
        p.n_tokens = s.tokens;
        kernels::launchMlaKvAppend(p, nullptr);
        sync();
        const std::vector<float> all = downloadBf16(paged.cache, paged.cache.bytes() / 2);
        std::vector<float> o;
        std::vector<char> target(all.size() / kWidth, 0);
        for (int t = 0; t < s.tokens; ++t) {
            const size_t at = paged.slot(pos[t]);
            target[at / kWidth] = 1;
            o.insert(o.end(), all.begin() + at, all.begin() + at + kWidth);
        }
        float stray = 0;
        for (size_t r = 0; r < target.size(); ++r)
            if (!target[r] && std::isfinite(all[r * kWidth]))
                ++stray;
        o.push_back(stray);
        return o;
    }
    std::vector<float> twin()
    {
        std::vector<float> o(size_t(s.tokens) * kWidth);
        kernels::mlaKvAppendTwin(kv.data() + s.offset, stride, w.data(), 1e-6f, pos.data(), s.tokens, kLat, kRopeDim,
                                 tab.cos.data(), tab.sin.data(), o.data());
        o.push_back(0.f);
        return o;
    }
};

// ---- mla_decode --------------------------------------------------------------------------------
struct MlaDecodeShape {
    int heads, ctx, splits;  // splits 0 = mlaDecodeSplits(ctx)
    std::string name() const { return dims({heads, ctx}) + (splits ? "_s" + std::to_string(splits) : ""); }
};
struct MlaDecodeCase {
    MlaDecodeShape s;
    std::vector<float> lat, qAbs, q;  // q: fp32 [heads, 192] as the q_proj GEMV leaves it
    inference::cpu::RopeTables tab;
    PagedCache paged;
    MlaDecodeCase(const MlaDecodeShape& shape, Rng& rng)
        : s(shape), lat(rng.bf16Values(size_t(s.ctx) * kWidth, -1, 1)), qAbs(rng.bf16Values(size_t(s.heads) * kLat, -1, 1)),
          q(rng.floats(size_t(s.heads) * 192, -1, 1)), tab(v2LiteRope(std::max(s.ctx, 64))), paged(s.ctx, rng)
    {
        paged.fill(lat, s.ctx);
    }
    std::vector<float> kernel()
    {
        const int splits = s.splits ? s.splits : kernels::mlaDecodeSplits(s.ctx);
        DevBuf dqa, dq, dcos, dsin, dlast, dpo(size_t(splits) * s.heads * kLat * 4), dml(size_t(splits) * s.heads * 8),
            dout(size_t(s.heads) * kLat * 4);
        uploadBf16(dqa, qAbs);
        upload(dq, q);
        upload(dcos, tab.cos);
        upload(dsin, tab.sin);
        uploadRaw(dlast, std::vector<std::int32_t>{s.ctx - 1});
        kernels::MlaDecodeParams p;
        p.q_abs = dqa.get();
        p.q_pe = dq.as<float>() + 128;
        p.q_pe_head_stride = 192;
        p.cos = dcos.as<float>();
        p.sin = dsin.as<float>();
        p.max_position = tab.positions;
        p.cache = paged.cache.get();
        p.block_table = paged.dtable.as<std::int32_t>();
        p.max_blocks = paged.logicalPages;
        p.last_position = dlast.as<std::int32_t>();
        p.scale = v2LiteScale();
        p.num_heads = s.heads;
        p.num_splits = splits;
        p.partial_o = dpo.as<float>();
        p.partial_ml = dml.as<float>();
        p.out = dout.as<float>();
        kernels::launchMlaDecode(p, nullptr);
        sync();
        return download(dout, size_t(s.heads) * kLat);
    }
    std::vector<float> twin()
    {
        std::vector<float> qPe(size_t(s.heads) * kRopeDim), o(size_t(s.heads) * kLat);
        for (int h = 0; h < s.heads; ++h)
            std::copy_n(q.begin() + h * 192 + 128, kRopeDim, qPe.begin() + h * kRopeDim);
        // The one MLA decode twin, at V2-Lite's widths (the fast kernel's constants).
        kernels::mlaDecodeGenericTwin(qAbs.data(), qPe.data(), s.heads, kLat, kRopeDim, s.ctx - 1, tab.cos.data(),
                                      tab.sin.data(), lat.data(), v2LiteScale(), o.data());
        return o;
    }
};

// ---- mla_prefill -------------------------------------------------------------------------------
struct MlaPrefillShape {
    int heads, qStart, nQ, chunk;  // chunk 0 = workspace for all queries at once
    std::string name() const { return dims({heads, qStart, nQ}) + (chunk ? "_chunk" + std::to_string(chunk) : ""); }
};
struct MlaPrefillCase {
    MlaPrefillShape s;
    int T;
    std::vector<float> lat, kvb, q;
    PagedCache paged;
    MlaPrefillCase(const MlaPrefillShape& shape, Rng& rng)
        : s(shape), T(s.qStart + s.nQ), lat(rng.bf16Values(size_t(T) * kWidth, -1, 1)),
          kvb(rng.bf16Values(size_t(s.heads) * 256 * kLat, -0.1f, 0.1f)), q(rng.bf16Values(size_t(s.nQ) * s.heads * 192, -1, 1)),
          paged(T, rng)
    {
        paged.fill(lat, T);
    }
    std::vector<float> kernel()
    {
        DevBuf dq, dkvb, dout(size_t(s.nQ) * s.heads * 128 * 2);
        uploadBf16(dq, q);
        uploadBf16(dkvb, kvb);
        const size_t ws = kernels::mlaPrefillWorkspaceBytes(T, s.chunk ? s.chunk : s.nQ, s.heads, kLat, kRopeDim, 128, 128);
        DevBuf dws(ws);
        cublasHandle_t h = nullptr;
        if (cublasCreate(&h) != CUBLAS_STATUS_SUCCESS)
            throw std::runtime_error("cublasCreate failed");
        kernels::MlaPrefillParams p;
        p.q = dq.get();
        p.cache = paged.cache.get();
        p.block_table = paged.dtable.as<std::int32_t>();
        p.max_blocks = paged.logicalPages;
        p.kv_b = dkvb.get();
        p.out = dout.get();
        p.q_start = s.qStart;
        p.n_q = s.nQ;
        p.num_heads = s.heads;
        p.scale = v2LiteScale();
        p.workspace = dws.get();
        p.workspace_bytes = ws;
        p.cublas = h;
        try {
            kernels::launchMlaPrefill(p, nullptr);
            sync();
        } catch (...) {
            cublasDestroy(h);
            throw;
        }
        cublasDestroy(h);
        return downloadBf16(dout, size_t(s.nQ) * s.heads * 128);
    }
    std::vector<float> twin()
    {
        std::vector<float> o(size_t(s.nQ) * s.heads * 128);
        kernels::mlaPrefillTwin(q.data(), lat.data(), kvb.data(), s.qStart, s.nQ, s.heads, kLat, kRopeDim, 128, 128,
                                v2LiteScale(), o.data());
        return o;
    }
};

}  // namespace fathom::attntest
