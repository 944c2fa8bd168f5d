// GGUF's block-quantized weight types and their exact dequantization to fp32: the CPU reference
// for these types, and the twin every GPU kernel that reads packed blocks is tested against.
// Layouts follow ggml (ggml-common.h); each function reproduces ggml's float arithmetic step by
// step — the products are rounded separately, never fused — so results equal gguf-py's bit for bit.
#pragma once

#include "inference/model/tensor.h"

#include <cstddef>
#include <cstdint>

namespace fathom::inference {

// Block sizes (elements, bytes), as stored in GGUF files.
inline constexpr std::int64_t kQk = 32;    // Q8_0, Q4_0, Q4_1, Q5_0, Q5_1
inline constexpr std::int64_t kQkK = 256;  // Q4_K, Q5_K, Q6_K ("super-blocks" of 8 or 16 sub-blocks)
inline constexpr std::size_t kQ8_0Bytes = 2 + 32;               // f16 d, int8 q[32]
inline constexpr std::size_t kQ4_0Bytes = 2 + 16;               // f16 d, 4-bit q[32]
inline constexpr std::size_t kQ4_1Bytes = 2 + 2 + 16;           // f16 d, f16 m, 4-bit q[32]
inline constexpr std::size_t kQ5_0Bytes = 2 + 4 + 16;           // f16 d, u32 high bits, 4-bit low q[32]
inline constexpr std::size_t kQ5_1Bytes = 2 + 2 + 4 + 16;       // f16 d, f16 m, high bits, low q
inline constexpr std::size_t kQ4_KBytes = 2 + 2 + 12 + 128;     // f16 d, f16 dmin, 6-bit scales/mins, q
inline constexpr std::size_t kQ5_KBytes = 2 + 2 + 12 + 32 + 128;  // + 32 bytes of 5th bits
inline constexpr std::size_t kQ6_KBytes = 128 + 64 + 16 + 2;    // low 4 bits, high 2 bits, int8 scales, f16 d

float halfToFloat(std::uint16_t h);  // IEEE binary16 -> fp32, exact (tensor.cpp)

// Each writes nBlocks × block-elements floats to out from nBlocks packed blocks at src.
void dequantizeQ8_0(const std::byte* src, std::int64_t nBlocks, float* out);
void dequantizeQ4_0(const std::byte* src, std::int64_t nBlocks, float* out);
void dequantizeQ4_1(const std::byte* src, std::int64_t nBlocks, float* out);
void dequantizeQ5_0(const std::byte* src, std::int64_t nBlocks, float* out);
void dequantizeQ5_1(const std::byte* src, std::int64_t nBlocks, float* out);
void dequantizeQ4_K(const std::byte* src, std::int64_t nBlocks, float* out);
void dequantizeQ5_K(const std::byte* src, std::int64_t nBlocks, float* out);
void dequantizeQ6_K(const std::byte* src, std::int64_t nBlocks, float* out);

// `count` elements (a multiple of blockElements(t)) starting at the block at src, any dtype.
void dequantize(DType t, const std::byte* src, std::int64_t count, float* out);

}  // namespace fathom::inference
