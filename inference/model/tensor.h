// A read-only view of one weight tensor: dtype, shape and bytes, usually inside a memory-mapped
// safetensors or GGUF file. Views never own their bytes; the WeightStore that made them does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace fathom::inference {

// F32/F16/BF16 come from safetensors and GGUF; the rest are GGUF's block-quantized types, whose
// elements are stored in blocks along each row (quant.h has the layouts and the dequantization).
enum class DType { F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K };

// Bytes per element of F32/F16/BF16; throws fathom::Error (Internal) for a block-quantized type,
// which has no per-element size (use blockBytes / rowBytes).
std::size_t dtypeSize(DType t);
const char* dtypeName(DType t);  // safetensors / GGUF spelling: "F32", "BF16", "Q4_K", ...
bool isQuantized(DType t);
std::int64_t blockElements(DType t);  // elements per block: 1, 32 or 256
std::size_t blockBytes(DType t);      // bytes per block: 4, 2, 34 (Q8_0), 144 (Q4_K), ...
// Bytes of `elements` consecutive elements; elements must be a multiple of blockElements(t).
std::size_t rowBytes(DType t, std::int64_t elements);

struct TensorView {
    std::string name;                 // hub name, e.g. "model.layers.3.mlp.gate.weight"
    DType dtype = DType::F32;
    std::vector<std::int64_t> shape;  // row-major, outermost first (PyTorch order: [out, in])
    const std::byte* data = nullptr;  // nbytes bytes, aligned only to the dtype size (quantized: 1)
    std::size_t nbytes = 0;
    std::string file;                 // the file it came from, for error messages

    std::int64_t numel() const;
    std::int64_t rows() const { return shape.empty() ? 1 : shape[0]; }
    std::int64_t cols() const { return shape.size() < 2 ? (shape.empty() ? 1 : shape[0]) : shape[1]; }
};

// Converts element i..i+n of a tensor of any supported dtype to fp32 (bf16/f16 widen exactly,
// quantized types dequantize exactly as ggml does). For a quantized tensor first and count must
// be multiples of its block size.
void toFloat(const TensorView& t, std::int64_t first, std::int64_t count, float* out);
// Writes `count` floats as dtype `t` into `out` (bf16/f16 round to nearest even; f16 keeps
// subnormals, overflows to inf). Used for synthetic weights and test fixtures. Quantized types are
// only read, never written: throws fathom::Error (Internal).
void fromFloat(DType t, const float* in, std::int64_t count, std::byte* out);

}  // namespace fathom::inference
