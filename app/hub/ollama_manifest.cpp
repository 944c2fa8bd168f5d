// OllamaManifest: strict reading with nlohmann-json; every refusal names the manifest and the field.
#include "app/hub/ollama_manifest.h"

#include "base/error.h"

#include <nlohmann/json.hpp>

namespace fathom::app {

namespace {
constexpr std::string_view kModelLayer = "application/vnd.ollama.image.model";

bool isSha256Digest(const std::string& d)
{
    if (d.size() != 7 + 64 || d.compare(0, 7, "sha256:") != 0)
        return false;
    for (std::size_t i = 7; i < d.size(); ++i)
        if (!((d[i] >= '0' && d[i] <= '9') || (d[i] >= 'a' && d[i] <= 'f')))
            return false;
    return true;
}
}  // namespace

OllamaManifest OllamaManifest::parse(std::string_view json, const std::string& source)
{
    if (json.size() > (1 << 20))
        throwFileError(source, "larger than 1 MB, not an Ollama manifest");
    // No exceptions from the parser itself: a discarded value says "not JSON" with one message.
    const nlohmann::json doc = nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
    if (doc.is_discarded())
        throwFileError(source, "not valid JSON");
    if (!doc.is_object())
        throwFileError(source, "the top level is not a JSON object");
    const auto layers = doc.find("layers");
    if (layers == doc.end() || !layers->is_array())
        throwFileError(source, "'layers' is missing or not an array");
    OllamaManifest out;
    std::size_t i = 0;
    for (const nlohmann::json& layer : *layers) {
        const std::string where = "layers[" + std::to_string(i++) + "]";
        if (!layer.is_object())
            throwFileError(source, where + " is not an object");
        const auto type = layer.find("mediaType");
        if (type == layer.end() || !type->is_string())
            throwFileError(source, where + ".mediaType is missing or not a string");
        if (type->get_ref<const std::string&>() != kModelLayer)
            continue;  // template, params, license, system prompt, projector: not weights
        if (!out.modelDigest.empty())
            throwFileError(source, where + " is a second model layer; Fathom expects one");
        const auto digest = layer.find("digest");
        if (digest == layer.end() || !digest->is_string() || !isSha256Digest(digest->get_ref<const std::string&>()))
            throwFileError(source, where + ".digest is not sha256:<64 lowercase hex digits>");
        out.modelDigest = digest->get<std::string>();
        const auto size = layer.find("size");
        if (size != layer.end() && size->is_number_integer() && size->get<std::int64_t>() >= 0)
            out.modelSize = size->get<std::int64_t>();
    }
    if (out.modelDigest.empty())
        throwFileError(source, std::string("no layer has mediaType ") + std::string(kModelLayer));
    return out;
}

std::string OllamaManifest::blobName() const { return "sha256-" + modelDigest.substr(7); }

}  // namespace fathom::app
