// One GGUF metadata value: a scalar, a string, or an array (of scalars, strings or arrays). Strings
// point into the parsed buffer (the mapped file), which must outlive the value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fathom::inference {

// GGUF value type ids, as stored in files: never renumber.
enum class GgufType : std::uint32_t {
    Uint8 = 0, Int8 = 1, Uint16 = 2, Int16 = 3, Uint32 = 4, Int32 = 5, Float32 = 6, Bool = 7,
    String = 8, Array = 9, Uint64 = 10, Int64 = 11, Float64 = 12,
};
const char* ggufTypeName(GgufType t);  // "uint32", "string", "array", ...

struct GgufValue {
    GgufType type = GgufType::Uint8;
    std::uint64_t uintValue = 0;        // Uint8..Uint64 and Bool (0 / 1)
    std::int64_t intValue = 0;          // Int8..Int64
    double floatValue = 0;              // Float32, Float64 (float32 widened exactly)
    std::string_view text;              // String
    GgufType elementType = GgufType::Uint8;  // Array
    std::vector<GgufValue> items;       // Array

    bool isUnsigned() const;
    bool isSigned() const;
    bool isFloat() const { return type == GgufType::Float32 || type == GgufType::Float64; }
    // "uint32", "array of string", "array of array of int32", ... for messages.
    std::string describe() const;
};

struct GgufKeyValue {
    std::string key;
    GgufValue value;
};

}  // namespace fathom::inference
