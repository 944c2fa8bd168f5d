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

class CliArgs final {
public:
    // argv[first..argc) are parsed; names in `flags` take no value, every other option takes one.
    // Throws fathom::Error(UserInput) on an option outside `flags` ∪ `options` or a missing value.
    CliArgs(int argc, char** argv, int first, const std::set<std::string>& flags,
            const std::set<std::string>& options);

    bool has(const std::string& name) const;
    std::string get(const std::string& name) const;  // throws if absent: "--name is required"
    std::string get(const std::string& name, const std::string& fallback) const;
    std::int64_t getInt(const std::string& name, std::int64_t fallback) const;
    double getDouble(const std::string& name, double fallback) const;
    // "1,2,3" -> {1,2,3}; throws naming the option and the bad element.
    std::vector<std::int32_t> getIds(const std::string& name) const;

private:
    std::map<std::string, std::string> m_values;
};

}  // namespace fathom::cli
