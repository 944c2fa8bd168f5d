// One Ollama manifest (~/.ollama/models/manifests/REGISTRY/NAMESPACE/NAME/TAG): a JSON list of
// layers; the one with mediaType application/vnd.ollama.image.model names the GGUF blob by digest.
// Qt-free so the libFuzzer target (tests/fuzz/ollama_manifest_fuzz.cpp) builds it alone.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace fathom::app {

struct OllamaManifest final {
    std::string modelDigest;    // "sha256:<64 lowercase hex>"
    std::int64_t modelSize = -1;  // the layer's "size", -1 when absent

    // Throws fathom::Error "SOURCE: problem" for anything but a manifest with exactly one model layer
    // whose digest is sha256:<64 hex> (a digest that is not hex could name a path outside blobs/).
    static OllamaManifest parse(std::string_view json, const std::string& source);
    // The file under blobs/ holding the layer: "sha256-<hex>".
    std::string blobName() const;
};

}  // namespace fathom::app
