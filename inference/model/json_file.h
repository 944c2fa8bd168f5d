// Reads a small JSON file from a model folder (config.json, the shard index) with bounds a hostile
// file cannot get past: a size cap and a nesting cap, so memory stays proportional to the cap.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace fathom::inference {

// Throws fathom::Error "PATH: ..." when the file is missing, over maxBytes, nested deeper than
// 64 levels, or not valid UTF-8 JSON.
nlohmann::json readJsonFile(const std::string& path, std::size_t maxBytes);

// Parses JSON text with the same nesting cap; `source` names the file in errors.
nlohmann::json parseJsonText(const std::string& text, const std::string& source);

}  // namespace fathom::inference
