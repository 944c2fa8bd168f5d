// One .safetensors file, memory-mapped read-only and fully validated on open; its TensorViews point
// into the mapping and stay valid while the SafetensorsFile lives.
#pragma once

#include "inference/model/safetensors_header.h"

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace fathom::inference {

class SafetensorsFile final {
public:
    // Maps `path` and validates its layout (docs/RELIABILITY.md cases 1-4); throws fathom::Error "PATH:
    // problem".
    explicit SafetensorsFile(const std::string& path);
    ~SafetensorsFile();
    SafetensorsFile(const SafetensorsFile&) = delete;
    SafetensorsFile& operator=(const SafetensorsFile&) = delete;

    const std::string& path() const { return m_path; }
    std::size_t fileSize() const { return m_size; }
    const std::vector<TensorView>& tensors() const { return m_layout.tensors; }
    const std::map<std::string, std::string>& metadata() const { return m_layout.metadata; }

private:
    std::string m_path;
    void* m_map = nullptr;  // PROT_READ mapping of the whole file
    std::size_t m_size = 0;
    SafetensorsLayout m_layout;
};

}  // namespace fathom::inference
