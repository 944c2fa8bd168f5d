// GgufMetadata: the checks behind every typed metadata read.
#include "inference/model/gguf_metadata.h"

#include "base/error.h"

#include <cmath>

namespace fathom::inference {

void GgufMetadata::fail(std::string_view key, const std::string& problem) const
{
    throwFileError(m_path, "metadata key " + std::string(key) + " " + problem);
}

std::optional<std::int64_t> GgufMetadata::integer(std::string_view key) const
{
    const GgufValue* v = find(key);
    if (!v)
        return std::nullopt;
    if (v->isUnsigned()) {
        if (v->uintValue > static_cast<std::uint64_t>(INT64_MAX))
            fail(key, "is " + std::to_string(v->uintValue) + ", too large");
        return static_cast<std::int64_t>(v->uintValue);
    }
    if (v->isSigned())
        return v->intValue;
    fail(key, "must be an integer, not " + v->describe());
}

std::optional<double> GgufMetadata::number(std::string_view key) const
{
    const GgufValue* v = find(key);
    if (!v)
        return std::nullopt;
    double d;
    if (v->isFloat())
        d = v->floatValue;
    else if (v->isUnsigned())
        d = static_cast<double>(v->uintValue);
    else if (v->isSigned())
        d = static_cast<double>(v->intValue);
    else
        fail(key, "must be a number, not " + v->describe());
    if (!std::isfinite(d))
        fail(key, "is not a finite number");
    return d;
}

std::optional<bool> GgufMetadata::boolean(std::string_view key) const
{
    const GgufValue* v = find(key);
    if (!v)
        return std::nullopt;
    if (v->type != GgufType::Bool)
        fail(key, "must be a bool, not " + v->describe());
    return v->uintValue != 0;
}

std::optional<std::string> GgufMetadata::string(std::string_view key) const
{
    const GgufValue* v = find(key);
    if (!v)
        return std::nullopt;
    if (v->type != GgufType::String)
        fail(key, "must be a string, not " + v->describe());
    return std::string(v->text);
}

const std::vector<GgufValue>* GgufMetadata::array(std::string_view key, GgufType element) const
{
    const GgufValue* v = find(key);
    if (!v)
        return nullptr;
    if (v->type != GgufType::Array || v->elementType != element)
        fail(key, std::string("must be an array of ") + ggufTypeName(element) + ", not " + v->describe());
    return &v->items;
}

std::int64_t GgufMetadata::requireInteger(std::string_view key) const
{
    if (auto v = integer(key))
        return *v;
    throwFileError(m_path, "required metadata key " + std::string(key) + " is missing");
}

std::string GgufMetadata::requireString(std::string_view key) const
{
    if (auto v = string(key))
        return *v;
    throwFileError(m_path, "required metadata key " + std::string(key) + " is missing");
}

}  // namespace fathom::inference
