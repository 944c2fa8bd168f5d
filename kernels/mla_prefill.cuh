// MLA prefill attention for n new tokens over the whole context, non-absorbed: the latent cache is
// gathered and decompressed through kv_b_proj by cuBLAS into per-head K_nope and V, then per head
// S = scale (Q_nope K_nope^T + Q_pe K_pe^T) and O = softmax_causal(S) V with batched cuBLAS GEMMs
// and our causal softmax kernel between them.
//
// Why not the absorbed form here: with n queries the absorbed scores cost 16 x n x T x 576 MACs
// against 16 x n x T x 192 plus one T x 512 x 4096 GEMM for the decompressed form, i.e. ~3x the
// attention FLOPs and a 576-wide head that no library kernel serves; decompression is one large,
// efficient GEMM. Decode (n = 1) is bandwidth-bound and uses the absorbed form (mla_decode).
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

namespace fathom::kernels {

struct MlaPrefillParams {
    const void* q = nullptr;                   // bf16 [n_q, num_heads, nope_dim + rope_dim], rope already applied
    const void* cache = nullptr;               // bf16 [n_pages, page_size, kv_lora_rank + rope_dim] this layer, holding positions 0..q_start+n_q-1
    const std::int32_t* block_table = nullptr; // int32 [max_blocks] device
    int max_blocks = 0;
    const void* kv_b = nullptr;                // bf16 [num_heads * (nope_dim + v_dim), kv_lora_rank] kv_b_proj.weight (per head: nope rows, then v rows)
    void* out = nullptr;                       // bf16 [n_q, num_heads, v_dim] attention output, o_proj's input
    int q_start = 0;                           // position of the first query (host value: prefill is not graph-captured)
    int n_q = 0;
    int num_heads = 0;
    int kv_lora_rank = 512;
    int rope_dim = 64;
    int nope_dim = 128;
    int v_dim = 128;
    int page_size = 64;
    float scale = 0.f;                         // softmax scale
    void* workspace = nullptr;                 // device scratch of workspace_bytes (see mlaPrefillWorkspaceBytes)
    std::size_t workspace_bytes = 0;
    cublasHandle_t cublas = nullptr;
};

// Scratch for a context of `context` tokens processing queries `query_chunk` at a time.
std::size_t mlaPrefillWorkspaceBytes(int context, int query_chunk, int num_heads, int kv_lora_rank, int rope_dim,
                                     int nope_dim, int v_dim);

void launchMlaPrefill(const MlaPrefillParams& p, cudaStream_t stream);

}  // namespace fathom::kernels
