// Names of GGUF value types for messages.
#include "inference/model/gguf_value.h"

namespace fathom::inference {

const char* ggufTypeName(GgufType t)
{
    switch (t) {
    case GgufType::Uint8: return "uint8";
    case GgufType::Int8: return "int8";
    case GgufType::Uint16: return "uint16";
    case GgufType::Int16: return "int16";
    case GgufType::Uint32: return "uint32";
    case GgufType::Int32: return "int32";
    case GgufType::Float32: return "float32";
    case GgufType::Bool: return "bool";
    case GgufType::String: return "string";
    case GgufType::Array: return "array";
    case GgufType::Uint64: return "uint64";
    case GgufType::Int64: return "int64";
    case GgufType::Float64: return "float64";
    }
    return "?";
}

bool GgufValue::isUnsigned() const
{
    return type == GgufType::Uint8 || type == GgufType::Uint16 || type == GgufType::Uint32 || type == GgufType::Uint64;
}

bool GgufValue::isSigned() const
{
    return type == GgufType::Int8 || type == GgufType::Int16 || type == GgufType::Int32 || type == GgufType::Int64;
}

std::string GgufValue::describe() const
{
    if (type != GgufType::Array)
        return ggufTypeName(type);
    if (elementType == GgufType::Array && !items.empty())
        return "array of " + items.front().describe();
    return std::string("array of ") + ggufTypeName(elementType);
}

}  // namespace fathom::inference
