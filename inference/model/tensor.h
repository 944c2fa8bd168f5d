// A read-only view of one weight tensor: dtype, shape and bytes, usually inside a memory-mapped
// safetensors file. Views never own their bytes; the WeightStore that made them does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace fathom::inference {

enum class DType { F32, F16, BF16 };

std::size_t dtypeSize(DType t);
const char* dtypeName(DType t);  // safetensors spelling: "F32", "F16", "BF16"

struct TensorView {
    std::string name;                 // hub name, e.g. "model.layers.3.mlp.gate.weight"
    DType dtype = DType::F32;
    std::vector<std::int64_t> shape;  // row-major, outermost first (PyTorch order: [out, in])
    const std::byte* data = nullptr;  // nbytes bytes, aligned only to the dtype size
    std::size_t nbytes = 0;
    std::string file;                 // the file it came from, for error messages

    std::int64_t numel() const;
    std::int64_t rows() const { return shape.empty() ? 1 : shape[0]; }
    std::int64_t cols() const { return shape.size() < 2 ? (shape.empty() ? 1 : shape[0]) : shape[1]; }
};

// Converts element i..i+n of a tensor of any supported dtype to fp32 (bf16/f16 widen exactly).
void toFloat(const TensorView& t, std::int64_t first, std::int64_t count, float* out);
// Writes `count` floats as dtype `t` into `out` (bf16/f16 round to nearest even; f16 keeps
// subnormals, overflows to inf). Used for synthetic weights and test fixtures.
void fromFloat(DType t, const float* in, std::int64_t count, std::byte* out);

}  // namespace fathom::inference
