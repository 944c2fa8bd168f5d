// The weight upload's machinery, shared by the two device layouts (cuda_weights.cpp: bf16,
// re-laid-out for the bf16 kernels; cuda_weights_packed.cpp: GGUF blocks as stored): a plan of
// pieces (arena offset, size, a function that writes the piece's bytes into pinned memory), then
// streamed by several threads so host packing and PCIe copies overlap.
#pragma once

#include "inference/cuda/cuda_weights.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace fathom::inference::cuda {

inline constexpr std::size_t kStaging = 64ull << 20;  // bytes per pinned staging buffer (two per worker)

// Rows [row0, row0+n) of a 2-D (or 1-D) tensor as bf16, converted (or dequantized) if stored otherwise.
void rowsToBf16(const TensorView& t, std::int64_t row0, std::int64_t n, bf16* out);

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
    // A whole tensor as bf16 (rows split so each piece fits a staging buffer); reused when the same
    // bytes were planned already (aliased synthetic layers).
    std::size_t tensor(const TensorView& t);
    // A tensor's bytes verbatim (block-quantized rows stay packed), at `at` (reserved by the caller)
    // or, with at = npos, at a fresh reservation; returns the offset. Aliased tensors are reused.
    std::size_t raw(const TensorView& t, std::size_t at = npos);
    // A derived layout keyed by its first source tensor, so aliased layers share it too.
    bool seen(const char* kind, const TensorView& t, std::size_t& at);
    void remember(std::size_t at) { m_seen[m_pending] = at; }

    std::size_t size() const { return m_size; }
    const std::vector<Piece>& pieces() const { return m_pieces; }

    static constexpr std::size_t npos = ~std::size_t(0);

private:
    std::size_t m_size = 0;
    std::vector<Piece> m_pieces;
    std::map<std::pair<const void*, std::size_t>, std::size_t> m_seen;
    std::pair<const void*, std::size_t> m_pending;
};

// Per-layer pieces both layouts upload in bf16 / fp32 (small_pieces.cpp): the norms, kv_b and W_uk
// in the attention kernels' layouts (from kv_b_proj, or the split k_b_proj / v_b_proj of newer GGUF
// files), and the router widened to fp32. Arena offsets; 0 where the layer has no such piece.
struct SmallPieces {
    std::size_t in = 0, post = 0, kvANorm = 0, kvB = 0, ukT = 0, qANorm = 0, router = 0, bias = 0;
};
SmallPieces planSmallPieces(const ModelConfig& c, const WeightStore& w, std::int64_t layer, Plan& plan);
void bindSmallPieces(const SmallPieces& o, std::byte* base, bool qLora, CudaLayerWeights& L);

// Copies every piece of the plan into the device arena (plan.size() bytes). progress(fraction) is
// called from the calling thread; it may throw to cancel.
void streamUpload(const Plan& plan, std::byte* arena, const std::function<void(double)>& progress);

}  // namespace fathom::inference::cuda
