// Parses `fathom-cli COMMAND --option value --flag ...` into named options, with errors that say
// which option was wrong and why (exit status 1 at the caller).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace fathom::cli {

// The top of the ranges most count options share: values a C int holds, so nothing narrows or wraps.
inline constexpr std::int64_t kInt32Max = 2147483647;
// --context and the like: 16M tokens, far beyond any supported model's max_position_embeddings
// (the engine clamps to that), small enough that a KV cache size computed from it cannot overflow.
inline constexpr std::int64_t kMaxContextOption = std::int64_t{1} << 24;

class CliArgs final {
public:
    // argv[first..argc) are parsed; names in `flags` take no value, every other option takes one.
    // Throws fathom::Error(UserInput) on an option outside `flags` ∪ `options` or a missing value.
    CliArgs(int argc, char** argv, int first, const std::set<std::string>& flags,
            const std::set<std::string>& options);

    bool has(const std::string& name) const;
    std::string get(const std::string& name) const;  // throws if absent: "--name is required"
    std::string get(const std::string& name, const std::string& fallback) const;
    // --name as a 64-bit integer that must lie in [min, max] (fallback when absent). Text, an
    // overflow and a value outside the range all throw "--name must be an integer from MIN to MAX,
    // got 'TEXT'", so no value wraps around when the caller narrows it.
    std::int64_t getInt(const std::string& name, std::int64_t fallback, std::int64_t min, std::int64_t max) const;
    double getDouble(const std::string& name, double fallback) const;
    // "1,2,3" -> {1,2,3}; throws naming the option and the bad element.
    std::vector<std::int32_t> getIds(const std::string& name) const;
    // The prompt ids of --tokens 1,2,3 or --tokens-file FILE (exactly one must be given when
    // `required`); an empty vector when neither is and it is not required.
    std::vector<std::int32_t> getPromptIds(bool required) const;

private:
    std::map<std::string, std::string> m_values;
};

// Token ids separated by commas and/or whitespace ("1,2,3", "1 2\n3", "1, 2,\n3"); ids are in
// [0, 2^31-1]. Throws fathom::Error(UserInput) "SOURCE: item N 'TEXT' is not a token id ...".
std::vector<std::int32_t> parseTokenIds(const std::string& text, const std::string& source);

// Reads FILE (at most 64 MiB, ~10M ids) and parses it as above; errors name the file and why.
std::vector<std::int32_t> readTokenIdsFile(const std::string& path);

}  // namespace fathom::cli
