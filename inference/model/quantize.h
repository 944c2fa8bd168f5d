// Quantizing fp32 weights into GGUF block types, for `--weights q8|q4` (a safetensors checkpoint
// quantized while it loads). The formats are GGUF's own (quant.h has the layouts and the exact
// dequantization), so the quantized kernels of both backends serve GGUF files and these alike.
// The rounding rules are the plain ones (nearest level from the block's range, no search), so a
// value can differ from what llama-quantize would write; what matters here is that
// dequantize(quantize(x)) is close to x, which the tests bound per type.
#pragma once

#include "inference/model/quant.h"
#include "inference/model/weight_store.h"

#include <cstddef>
#include <cstdint>

namespace fathom::inference {

// Each quantizes n values (a multiple of the type's block) from x into packed blocks at out.
void quantizeQ8_0(const float* x, std::int64_t n, std::byte* out);  // d = max|x| / 127
void quantizeQ5_0(const float* x, std::int64_t n, std::byte* out);  // d = signed max / -16, 5-bit levels
void quantizeQ4_K(const float* x, std::int64_t n, std::byte* out);  // per 32: scale and min, 6-bit each

// What `--weights` asks for: keep the checkpoint's types, or quantize the large matrices.
enum class WeightFormat { AsStored, Q8, Q4 };

// The tensors of `source` with every large 2-D weight matrix quantized: Q8 -> Q8_0; Q4 -> Q4_K
// (Q5_0 where a row is not a multiple of 256 long, as llama-quantize falls back), lm_head and the
// embedding in Q8_0 for both. Norms, the router, biases and kv_b_proj (read as bf16 by the
// attention kernels) keep their types. Uses `threads` threads (0: all cores). The result owns the
// quantized bytes and keeps `source`'s files mapped for the tensors it did not change.
WeightStore quantizeWeights(WeightStore source, WeightFormat format, int threads = 0);

// "bf16" (as stored), "q8", "q4"; throws fathom::Error (UserInput) naming the allowed values.
WeightFormat parseWeightFormat(const std::string& text);
const char* weightFormatName(WeightFormat f);

// The storage type of a store's weight matrices in a word for people: the type holding most of
// their bytes ("BF16", "Q8_0"), with " mixed" when others hold more than a tenth ("Q4_K mixed").
std::string weightsSummary(const WeightStore& weights);

}  // namespace fathom::inference
