// The safetensors layout parser: 8-byte little-endian header length, a JSON header mapping tensor
// names to {dtype, shape, data_offsets}, then the data section. Pure (bytes in, views out) so the
// memory-mapped loader, the tests and the fuzzer share it.
#pragma once

#include "inference/model/tensor.h"

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace fathom::inference {

// The header may not exceed this (the reference implementation's limit, too).
constexpr std::size_t kSafetensorsMaxHeaderBytes = 100'000'000;

struct SafetensorsLayout {
    std::vector<TensorView> tensors;              // header order; data points into the given bytes
    std::map<std::string, std::string> metadata;  // __metadata__ (string values only)
    std::size_t dataOffset = 0;                   // first byte of the data section in the file
};

// Validates everything docs/RELIABILITY.md cases 1-4 list: header length (0, past the file, over the
// limit), UTF-8 JSON object, string-only __metadata__, supported dtype, shape element count, and data
// offsets that start at 0, are in order, neither overlap nor leave gaps, end at the file's end and
// match shape × dtype size. Throws fathom::Error "FILE: problem". Memory stays proportional to the
// header: the JSON is read event by event, never built as a document.
SafetensorsLayout parseSafetensors(const std::byte* bytes, std::size_t size, const std::string& file);

}  // namespace fathom::inference
