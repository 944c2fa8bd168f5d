// One .gguf file, memory-mapped read-only and fully validated on open (parseGguf); its tensor
// data pointers point into the mapping and stay valid while the GgufFile lives.
#pragma once

#include "inference/model/gguf_layout.h"

#include <cstddef>
#include <string>

namespace fathom::inference {

class GgufFile final {
public:
    // Maps `path` and validates it; throws fathom::Error "PATH: problem".
    explicit GgufFile(const std::string& path);
    ~GgufFile();
    GgufFile(const GgufFile&) = delete;
    GgufFile& operator=(const GgufFile&) = delete;

    const std::string& path() const { return m_path; }
    std::size_t fileSize() const { return m_size; }
    const GgufLayout& layout() const { return m_layout; }
    const GgufValue* find(std::string_view key) const { return m_layout.find(key); }

private:
    std::string m_path;
    void* m_map = nullptr;  // PROT_READ mapping of the whole file
    std::size_t m_size = 0;
    GgufLayout m_layout;
};

// True when `path` names a file ending in .gguf (any case), or a regular file without that name that
// starts with the GGUF magic (Ollama's blobs/sha256-<hex>): the engine's cue to read it as GGUF.
bool isGgufPath(const std::string& path);

}  // namespace fathom::inference
