#include "app/cli/cli_args.h"

#include "base/error.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace fathom::cli {

CliArgs::CliArgs(int argc, char** argv, int first, const std::set<std::string>& flags,
                 const std::set<std::string>& options)
{
    for (int i = first; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg.rfind("--", 0) != 0 || arg.size() == 2)
            throwUserError("unexpected argument '" + arg + "' (options start with --)");
        std::string name = arg.substr(2);
        std::optional<std::string> value;
        if (auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        if (flags.count(name)) {
            if (value)
                throwUserError("--" + name + " takes no value");
            m_values[name] = "1";
        } else if (options.count(name)) {
            if (!value) {
                if (i + 1 >= argc)
                    throwUserError("--" + name + " needs a value");
                value = argv[++i];
            }
            m_values[name] = *value;
        } else {
            throwUserError("unknown option --" + name);
        }
    }
}

bool CliArgs::has(const std::string& name) const { return m_values.count(name) != 0; }

std::string CliArgs::get(const std::string& name) const
{
    auto it = m_values.find(name);
    if (it == m_values.end())
        throwUserError("--" + name + " is required");
    return it->second;
}

std::string CliArgs::get(const std::string& name, const std::string& fallback) const
{
    auto it = m_values.find(name);
    return it == m_values.end() ? fallback : it->second;
}

std::int64_t CliArgs::getInt(const std::string& name, std::int64_t fallback) const
{
    auto it = m_values.find(name);
    if (it == m_values.end())
        return fallback;
    const std::string& s = it->second;
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size())
        throwUserError("--" + name + " expects an integer, got '" + s + "'");
    return v;
}

double CliArgs::getDouble(const std::string& name, double fallback) const
{
    auto it = m_values.find(name);
    if (it == m_values.end())
        return fallback;
    const std::string& s = it->second;
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v))
        throwUserError("--" + name + " expects a number, got '" + s + "'");
    return v;
}

std::vector<std::int32_t> CliArgs::getIds(const std::string& name) const
{
    std::string s = get(name);
    std::vector<std::int32_t> ids;
    std::size_t pos = 0;
    while (pos <= s.size()) {
        std::size_t comma = s.find(',', pos);
        if (comma == std::string::npos)
            comma = s.size();
        std::string item = s.substr(pos, comma - pos);
        std::int32_t v = 0;
        auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
        if (item.empty() || ec != std::errc() || end != item.data() + item.size() || v < 0)
            throwUserError("--" + name + ": '" + item + "' is not a token id (expected e.g. 1,2,3)");
        ids.push_back(v);
        pos = comma + 1;
    }
    return ids;
}

}  // namespace fathom::cli
