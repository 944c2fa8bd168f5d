#include "app/cli/cli_args.h"

#include "base/error.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

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

std::int64_t CliArgs::getInt(const std::string& name, std::int64_t fallback, std::int64_t min, std::int64_t max) const
{
    auto it = m_values.find(name);
    if (it == m_values.end())
        return fallback;
    const std::string& s = it->second;
    std::int64_t v = 0;
    // from_chars reports a value past 64 bits as out of range instead of wrapping it.
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || v < min || v > max)
        throwUserError("--" + name + " must be an integer from " + std::to_string(min) + " to " + std::to_string(max) +
                       ", got '" + s + "'");
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
    std::vector<std::int32_t> ids = parseTokenIds(get(name), "--" + name);
    if (ids.empty())
        throwUserError("--" + name + " needs at least one id");
    return ids;
}

std::vector<std::int32_t> CliArgs::getPromptIds(bool required) const
{
    if (has("tokens") && has("tokens-file"))
        throwUserError("give only one of --tokens 1,2,3 or --tokens-file FILE");
    if (has("tokens-file"))
        return readTokenIdsFile(get("tokens-file"));
    if (has("tokens") || required)
        return getIds("tokens");
    return {};
}

std::vector<std::int32_t> parseTokenIds(const std::string& text, const std::string& source)
{
    std::vector<std::int32_t> ids;
    auto isSpace = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
    auto bad = [&](const std::string& item) {
        throwUserError(source + ": item " + std::to_string(ids.size() + 1) + " '" + item.substr(0, 40) +
                       "' is not a token id (ids are integers from 0 to 2147483647, separated by commas or "
                       "whitespace, e.g. 1,2,3)");
    };
    std::size_t pos = 0;
    const std::size_t n = text.size();
    auto skipSpace = [&] {
        while (pos < n && isSpace(text[pos]))
            ++pos;
    };
    skipSpace();
    if (pos == n)  // an empty list: the caller says whether that is allowed
        return ids;
    for (;;) {
        std::size_t end = pos;
        while (end < n && text[end] != ',' && !isSpace(text[end]))
            ++end;
        const std::string item = text.substr(pos, end - pos);
        std::int64_t v = 0;
        auto [stop, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
        if (item.empty() || ec != std::errc() || stop != item.data() + item.size() || v < 0 ||
            v > std::numeric_limits<std::int32_t>::max())
            bad(item);
        ids.push_back(static_cast<std::int32_t>(v));
        pos = end;
        skipSpace();
        if (pos == n)
            break;
        if (text[pos] == ',') {  // one comma, then another id must follow: "1,,2" and "1," are errors
            ++pos;
            skipSpace();
            if (pos == n || text[pos] == ',')
                bad("");
        }
    }
    return ids;
}

std::vector<std::int32_t> readTokenIdsFile(const std::string& path)
{
    // 64 MiB holds ~10M ids of 6 characters: far beyond any model's context, small enough to read.
    constexpr std::uintmax_t kMaxBytes = 64u << 20;
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec && ec != std::errc::no_such_file_or_directory)
        throwFileError(path, "cannot be read: " + ec.message());
    if (!std::filesystem::exists(status))
        throwFileError(path, "file not found (--tokens-file)");
    if (std::filesystem::is_directory(status))
        throwFileError(path, "is a folder, not a file of token ids (--tokens-file)");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throwFileError(path, std::string("cannot be opened: ") + std::strerror(errno));
    std::string text;
    char buf[1 << 16];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        text.append(buf, static_cast<std::size_t>(in.gcount()));
        if (text.size() > kMaxBytes)
            throwFileError(path, "is over " + std::to_string(kMaxBytes) + " bytes; a file of token ids may have at most that");
    }
    if (in.bad())
        throwFileError(path, std::string("read error: ") + std::strerror(errno));
    std::vector<std::int32_t> ids = parseTokenIds(text, path);
    if (ids.empty())
        throwFileError(path, "holds no token ids (--tokens-file)");
    return ids;
}

}  // namespace fathom::cli
