// generation_config.json, next to config.json in a model folder: Fathom reads only its
// end-of-sequence ids. Split out of the engine so the fuzzer and the tests reach the parser.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace fathom::inference {

// eos_token_id (a number or a list) from the parsed file; ids outside [0, vocabSize) and values of
// another type are left out, as transformers ignores what it cannot use. Never throws for a JSON
// value of an unexpected shape.
std::vector<std::int32_t> generationEosTokens(const nlohmann::json& j, std::int64_t vocabSize);

// The same from a file, read under kGenerationConfigLimits (json_file.h); throws fathom::Error
// "PATH: problem" when it is too big, too deep or not JSON.
std::vector<std::int32_t> readGenerationEosTokens(const std::string& path, std::int64_t vocabSize);

}  // namespace fathom::inference
