// Bounded JSON reading for the small files of a model folder (see json_file.h).
#include "inference/model/json_file.h"

#include "base/error.h"

#include <cerrno>
#include <fstream>
#include <sstream>
#include <system_error>
#include <filesystem>

namespace fathom::inference {

namespace {

constexpr int kMaxDepth = kJsonMaxDepth;

// nlohmann prefixes messages with "[json.exception.parse_error.101] "; people need only the rest.
std::string stripJsonPrefix(const std::string& what)
{
    const auto p = what.find("] ");
    return (what.rfind("[json.exception", 0) == 0 && p != std::string::npos) ? what.substr(p + 2) : what;
}

}  // namespace

nlohmann::json parseJsonText(std::string_view text, const std::string& source, std::size_t maxValues)
{
    // The callback sees every value before it is kept, so a "[[[[..." or "[0,0,0,..." bomb stops early.
    std::size_t values = 0;
    auto limitDepth = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
        using E = nlohmann::json::parse_event_t;
        if (depth > kMaxDepth)
            throwFileError(source, "JSON is nested more than " + std::to_string(kMaxDepth) + " levels deep");
        if ((event == E::value || event == E::object_start || event == E::array_start) && ++values > maxValues)
            throwFileError(source, "JSON holds more than " + std::to_string(maxValues) + " values");
        return true;
    };
    try {
        return nlohmann::json::parse(text.begin(), text.end(), limitDepth, /*allow_exceptions=*/true, /*ignore_comments=*/false);
    } catch (const nlohmann::json::exception& e) {
        throwFileError(source, "not valid UTF-8 JSON: " + stripJsonPrefix(e.what()));
    }
}

nlohmann::json readJsonFile(const std::string& path, std::size_t maxBytes, std::size_t maxValues)
{
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec && ec != std::errc::no_such_file_or_directory)  // a symlink loop, a folder without x
        throwFileError(path, "cannot be read: " + ec.message());
    if (!std::filesystem::exists(status))
        throwFileError(path, "file not found");
    if (!std::filesystem::is_regular_file(status))
        throwFileError(path, std::filesystem::is_directory(status) ? "is a folder, not a file" : "not a regular file");
    const auto size = std::filesystem::file_size(path, ec);
    if (ec)
        throwFileError(path, "cannot read its size: " + ec.message());
    if (size > maxBytes)
        throwFileError(path, "file is " + std::to_string(size) + " bytes; at most " + std::to_string(maxBytes) +
                                 " are accepted for this kind of file");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throwFileError(path, "cannot open for reading: " + std::generic_category().message(errno));
    std::ostringstream buf;
    buf << in.rdbuf();
    if (in.bad())
        throwFileError(path, "read error");
    std::string text = buf.str();
    if (text.size() > maxBytes)  // the file grew while we read it
        throwFileError(path, "file is over " + std::to_string(maxBytes) + " bytes");
    return parseJsonText(text, path, maxValues);
}

}  // namespace fathom::inference
