// Reads a small JSON file from a model folder (config.json, the shard index) with bounds a hostile
// file cannot get past: a size cap and a nesting cap, so memory stays proportional to the cap.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace fathom::inference {

// Throws fathom::Error "PATH: ..." when the file is missing, over maxBytes, holds more than
// maxValues JSON values (a DOM costs ~100 bytes per value however short its text), is nested deeper
// than 64 levels, or is not valid UTF-8 JSON.
nlohmann::json readJsonFile(const std::string& path, std::size_t maxBytes, std::size_t maxValues);

// Parses JSON text with the same caps; `source` names the file in errors.
nlohmann::json parseJsonText(const std::string& text, const std::string& source, std::size_t maxValues);

}  // namespace fathom::inference
