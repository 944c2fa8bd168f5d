// The generic-MLA row of kernel_ops_test: the generic MLA decode (any latent / rope width, any head count)
// over a paged cache whose block table is a random permutation, unused pages poisoned with NaN.
#pragma once

#include "kernels/mla_decode_generic.cuh"
#include "kernels/twins/mla_decode_generic_twin.h"
#include "tests/gpu/kernel_cases_attn.h"

#include <numeric>

namespace fathom::attntest {

struct MlaDecodeGenericShape {
    int heads, rank, rope, ctx;
    std::string name() const { return dims({heads, rank, rope, ctx}); }
};

struct MlaDecodeGenericCase {
    static constexpr int kPageSize = 64;
    MlaDecodeGenericShape s;
    int width, logicalPages, physicalPages;
    std::vector<float> lat, qAbs, qPe;  // lat bf16-valued [ctx, width]; qAbs fp32 [heads, rank]; qPe [heads, rope]
    std::vector<std::int32_t> table;
    inference::cpu::RopeTables tab;
    MlaDecodeGenericCase(const MlaDecodeGenericShape& shape, Rng& rng)
        : s(shape), width(s.rank + s.rope), logicalPages((s.ctx + kPageSize - 1) / kPageSize),
          physicalPages(logicalPages + 2), lat(rng.bf16Values(size_t(s.ctx) * width, -1, 1)),
          qAbs(rng.floats(size_t(s.heads) * s.rank, -1, 1)), qPe(rng.floats(size_t(s.heads) * s.rope, -1, 1))
    {
        inference::RopeScaling spec;  // the tiny coder's rope: YaRN factor 4 over 4096
        spec.yarn = true;
        spec.factor = 4;
        spec.originalMaxPosition = 4096;
        spec.mscale = spec.mscaleAllDim = 0.707;
        tab = inference::cpu::ropeTables(inference::cpu::YarnRope(s.rope, 10000, spec), std::max(s.ctx, 64));
        std::vector<std::int32_t> perm(static_cast<std::size_t>(physicalPages));
        std::iota(perm.begin(), perm.end(), 0);
        for (int i = physicalPages - 1; i > 0; --i)
            std::swap(perm[i], perm[rng.below(i + 1)]);
        table.assign(perm.begin(), perm.begin() + logicalPages);
    }
    std::vector<float> kernel()
    {
        std::vector<float> paged(size_t(physicalPages) * kPageSize * width, NAN);  // unused slots stay NaN
        for (int t = 0; t < s.ctx; ++t)
            std::copy_n(lat.begin() + size_t(t) * width, width,
                        paged.begin() + (size_t(table[t / kPageSize]) * kPageSize + t % kPageSize) * width);
        DevBuf dqa, dq, dcos, dsin, dlast, dcache, dtable, dout(size_t(s.heads) * s.rank * 4);
        upload(dqa, qAbs);
        upload(dq, qPe);
        upload(dcos, tab.cos);
        upload(dsin, tab.sin);
        uploadBf16(dcache, paged);
        uploadRaw(dtable, table);
        uploadRaw(dlast, std::vector<std::int32_t>{s.ctx - 1});
        kernels::MlaDecodeGenericParams p;
        p.q_abs = dqa.as<float>();
        p.q_pe = dq.as<float>();
        p.q_pe_head_stride = s.rope;
        p.cos = dcos.as<float>();
        p.sin = dsin.as<float>();
        p.max_position = tab.positions;
        p.cache = dcache.get();
        p.block_table = dtable.as<std::int32_t>();
        p.max_blocks = logicalPages;
        p.page_size = kPageSize;
        p.last_position = dlast.as<std::int32_t>();
        p.scale = 1.f / std::sqrt(float(s.rope + 32));
        p.num_heads = s.heads;
        p.kv_lora_rank = s.rank;
        p.rope_dim = s.rope;
        p.out = dout.as<float>();
        kernels::launchMlaDecodeGeneric(p, nullptr);
        sync();
        return download(dout, size_t(s.heads) * s.rank);
    }
    std::vector<float> twin()
    {
        std::vector<float> o(size_t(s.heads) * s.rank);
        kernels::mlaDecodeGenericTwin(qAbs.data(), qPe.data(), s.heads, s.rank, s.rope, s.ctx - 1, tab.cos.data(),
                                      tab.sin.data(), lat.data(), 1.f / std::sqrt(float(s.rope + 32)), o.data());
        return o;
    }
};

}  // namespace fathom::attntest
