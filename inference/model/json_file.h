// Reads a JSON file from a model folder (config.json, generation_config.json, the shard index,
// tokenizer.json, tokenizer_config.json) with bounds a hostile file cannot get past: a size cap
// checked before anything is read, then a value-count and a nesting cap checked while parsing, so
// memory stays proportional to the caps (docs/RELIABILITY.md lists them).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace fathom::inference {

// The caps of one kind of file. Values bound the DOM (~100 bytes each however short the text);
// bytes bound the read. Each leaves several times the room the largest real file of its kind needs.
struct JsonLimits {
    std::size_t maxBytes;
    std::size_t maxValues;
};
// config.json and generation_config.json: a few KB in every released model.
inline constexpr JsonLimits kConfigJsonLimits{1u << 20, 100'000};
inline constexpr JsonLimits kGenerationConfigLimits{1u << 20, 100'000};
// model.safetensors.index.json: DeepSeek-V3's (~92k tensors) is ~9 MB and ~92k values.
inline constexpr JsonLimits kShardIndexLimits{64u << 20, 1'000'000};
// tokenizer_config.json: ~1 MB at most (added_tokens_decoder with a few thousand entries).
inline constexpr JsonLimits kTokenizerConfigLimits{16u << 20, 1'000'000};
// tokenizer.json: DeepSeek-V3's is 7.8 MB and ~260k values; 256k-token vocabularies with merges
// as pairs reach ~35 MB and ~1.6M values.
inline constexpr JsonLimits kTokenizerJsonLimits{128u << 20, 4'000'000};
// The nesting cap for every kind (real files nest less than 10 levels).
inline constexpr int kJsonMaxDepth = 64;

// Throws fathom::Error "PATH: ..." when the file is missing, over maxBytes, holds more than
// maxValues JSON values (a DOM costs ~100 bytes per value however short its text), is nested deeper
// than 64 levels, or is not valid UTF-8 JSON.
nlohmann::json readJsonFile(const std::string& path, std::size_t maxBytes, std::size_t maxValues);
inline nlohmann::json readJsonFile(const std::string& path, JsonLimits limits)
{
    return readJsonFile(path, limits.maxBytes, limits.maxValues);
}

// Parses JSON text with the same caps; `source` names the file in errors.
nlohmann::json parseJsonText(std::string_view text, const std::string& source, std::size_t maxValues);

}  // namespace fathom::inference
