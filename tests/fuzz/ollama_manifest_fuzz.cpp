// libFuzzer target for the Ollama manifest parser (app/hub/ollama_manifest.cpp): manifests are files
// another program wrote into ~/.ollama, so any bytes must end in a manifest or a fathom::Error.
#include "app/hub/ollama_manifest.h"
#include "base/error.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    try {
        const auto m = fathom::app::OllamaManifest::parse(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
        // What was accepted becomes a file name under blobs/: it must be exactly sha256-<64 hex>.
        const std::string blob = m.blobName();
        if (blob.size() != 7 + 64 || blob.find('/') != std::string::npos || blob.find("..") != std::string::npos)
            std::abort();
    } catch (const fathom::Error&) {
    }
    return 0;
}
