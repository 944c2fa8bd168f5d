// Typed reads of GGUF metadata with errors that name the file and the key ("model.gguf: metadata
// key deepseek2.block_count must be an integer, not a string"). Integers of any width and
// signedness are accepted where a count is meant, as llama.cpp's loader does.
#pragma once

#include "inference/model/gguf_layout.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fathom::inference {

class GgufMetadata final {
public:
    GgufMetadata(const GgufLayout& layout, const std::string& path) : m_layout(layout), m_path(path) {}

    const GgufValue* find(std::string_view key) const { return m_layout.find(key); }
    bool has(std::string_view key) const { return find(key) != nullptr; }
    [[noreturn]] void fail(std::string_view key, const std::string& problem) const;

    std::optional<std::int64_t> integer(std::string_view key) const;
    std::optional<double> number(std::string_view key) const;  // floats and integers
    std::optional<bool> boolean(std::string_view key) const;
    std::optional<std::string> string(std::string_view key) const;
    // An array whose items all have `element` type (throws otherwise); nullptr when absent.
    const std::vector<GgufValue>* array(std::string_view key, GgufType element) const;

    std::int64_t requireInteger(std::string_view key) const;
    std::string requireString(std::string_view key) const;

    const std::string& path() const { return m_path; }

private:
    const GgufLayout& m_layout;
    const std::string& m_path;
};

}  // namespace fathom::inference
