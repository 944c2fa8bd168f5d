// A weight matrix as the quantized kernels read it, in any storage type the engine runs: the
// GGUF block types (layouts and exact CPU dequantization in inference/model/quant.h), bf16, f16
// and f32. Rows are stored one after another, row r at data + r * row_bytes; a quantized row is
// cols / block_elements blocks packed exactly as in the GGUF file, so the backend uploads the
// file's bytes unchanged and the kernels dequantize in registers.
#pragma once

#include <cstdint>
#include <string>

namespace fathom::kernels {

// Numbering matches fathom::inference::DType (inference/model/tensor.h), so the backend converts
// with a cast; the kernels do not include the engine's headers.
enum class WType : int { F32 = 0, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K };

struct QMatrix {
    const void* data = nullptr;  // rows * row_bytes bytes, 16-byte aligned
    WType type = WType::BF16;
    int rows = 0;
    int cols = 0;                // a multiple of the type's block (32 or 256 elements; 8 for bf16/f16/f32)
    std::int64_t row_bytes = 0;  // bytes of one row: cols / block * block bytes (cols * 2 for bf16)
};

// Elements and bytes per block of a type (bf16/f16/f32: one element).
constexpr int wtypeBlockElements(WType t)
{
    switch (t) {
    case WType::F32:
    case WType::F16:
    case WType::BF16:
        return 1;
    case WType::Q4_K:
    case WType::Q5_K:
    case WType::Q6_K:
        return 256;
    default:
        return 32;
    }
}

constexpr int wtypeBlockBytes(WType t)
{
    switch (t) {
    case WType::F32: return 4;
    case WType::F16: return 2;
    case WType::BF16: return 2;
    case WType::Q8_0: return 34;
    case WType::Q4_0: return 18;
    case WType::Q4_1: return 20;
    case WType::Q5_0: return 22;
    case WType::Q5_1: return 24;
    case WType::Q4_K: return 144;
    case WType::Q5_K: return 176;
    case WType::Q6_K: return 210;
    }
    return 0;
}

constexpr std::int64_t wtypeRowBytes(WType t, std::int64_t cols)
{
    return cols / wtypeBlockElements(t) * wtypeBlockBytes(t);
}


constexpr bool wtypeValid(WType t) { return static_cast<int>(t) >= 0 && static_cast<int>(t) <= static_cast<int>(WType::Q6_K); }

constexpr const char* wtypeName(WType t)
{
    constexpr const char* names[] = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"};
    return wtypeValid(t) ? names[static_cast<int>(t)] : "?";
}

// What is wrong with m as a launcher argument ("" when nothing): the launchers' shared check.
// cols must also be a multiple of 8, because the kernels read rows in groups of 8 elements.
inline std::string qmatrixProblem(const QMatrix& m)
{
    if (!wtypeValid(m.type))
        return "unknown weight type " + std::to_string(static_cast<int>(m.type));
    if (!m.data)
        return "null data";
    if ((reinterpret_cast<std::uintptr_t>(m.data) & 15u) != 0)
        return "data must be 16-byte aligned";
    if (m.rows <= 0 || m.cols <= 0)
        return "rows " + std::to_string(m.rows) + " and cols " + std::to_string(m.cols) + " must be positive";
    const int block = wtypeBlockElements(m.type) > 8 ? wtypeBlockElements(m.type) : 8;
    if (m.cols % block != 0)
        return std::string(wtypeName(m.type)) + " cols " + std::to_string(m.cols) + " must be a multiple of " +
               std::to_string(block);
    if (m.row_bytes != wtypeRowBytes(m.type, m.cols))
        return "row_bytes " + std::to_string(m.row_bytes) + " must be " + std::to_string(wtypeRowBytes(m.type, m.cols)) +
               " for " + std::to_string(m.cols) + " " + wtypeName(m.type) + " columns";
    return {};
}

}  // namespace fathom::kernels
