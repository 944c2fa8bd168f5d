// Finding and reading the tokenizer's files in a model folder: tokenizer.json, and next to it the
// optional tokenizer_config.json (BOS/EOS, chat template) and config.json (the model's vocab_size).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace fathom::inference {

struct TokenizerFiles {
    std::string tokenizerJson;        // path of tokenizer.json
    std::string tokenizerConfigJson;  // path, or "" when absent
    std::string configJson;           // path, or "" when absent
};

// FILE_OR_DIR as the CLI takes it: a tokenizer.json file or a folder holding one. Throws
// fathom::Error(UserInput) when there is no tokenizer.json.
TokenizerFiles locateTokenizerFiles(const std::string& fileOrDir);

// Reads a whole file (at most maxBytes, checked before reading); errors name the file and the
// reason. JSON files are read with readJsonFile (inference/model/json_file.h), which also caps
// values and depth.
std::string readTextFile(const std::string& path, std::size_t maxBytes);

// The fields of tokenizer_config.json Fathom uses.
struct TokenizerConfig {
    std::optional<std::string> bosToken;  // content, e.g. "<｜begin▁of▁sentence｜>"
    std::optional<std::string> eosToken;
    bool addBosToken = false;             // add_bos_token, else true for LlamaTokenizer(Fast)
    std::string chatTemplate;             // "" when none; the "default" one when several are named
};

// Read under kTokenizerConfigLimits (json_file.h).
TokenizerConfig readTokenizerConfig(const std::string& path);
// Same from parsed JSON; `path` names the file in errors.
TokenizerConfig parseTokenizerConfig(const nlohmann::json& cfg, const std::string& path);

}  // namespace fathom::inference
