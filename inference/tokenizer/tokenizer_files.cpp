// File lookup and parsing for the tokenizer; every error names the file it is about.
#include "inference/tokenizer/tokenizer_files.h"

#include "base/error.h"
#include "base/path_check.h"
#include "inference/model/json_file.h"

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fathom::inference {

namespace fs = std::filesystem;

TokenizerFiles locateTokenizerFiles(const std::string& fileOrDir)
{
    // A symlink loop or an unreadable folder on the way is named as such, not as "no such file".
    if (!pathExists(fileOrDir))
        throwFileError(fileOrDir, "no such file or folder");
    std::error_code ec;
    fs::path p(fileOrDir);
    TokenizerFiles files;
    fs::path dir;
    if (fs::is_directory(p, ec)) {
        dir = p;
        files.tokenizerJson = (p / "tokenizer.json").string();
        if (!fs::is_regular_file(files.tokenizerJson, ec))
            throwFileError(fileOrDir, "folder has no tokenizer.json");
    } else if (fs::is_regular_file(p, ec)) {
        files.tokenizerJson = p.string();
        dir = p.parent_path();
    } else {
        throwFileError(fileOrDir, "no such file or folder");
    }
    if (dir.empty())
        dir = ".";
    if (fs::is_regular_file(dir / "tokenizer_config.json", ec))
        files.tokenizerConfigJson = (dir / "tokenizer_config.json").string();
    if (fs::is_regular_file(dir / "config.json", ec))
        files.configJson = (dir / "config.json").string();
    return files;
}

std::string readTextFile(const std::string& path, std::size_t maxBytes)
{
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (ec && ec != std::errc::no_such_file_or_directory)  // a symlink loop, a folder without x
        throwFileError(path, "cannot be read: " + ec.message());
    if (!fs::exists(status))
        throwFileError(path, "file not found");
    if (fs::is_directory(status))
        throwFileError(path, "is a folder, not a file");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throwFileError(path, "cannot be opened: " + std::generic_category().message(errno));
    in.seekg(0, std::ios::end);
    const auto size = static_cast<std::streamoff>(in.tellg());
    if (size < 0)
        throwFileError(path, "cannot be read");
    if (static_cast<std::size_t>(size) > maxBytes)
        throwFileError(path, "is " + std::to_string(size) + " bytes, more than the " + std::to_string(maxBytes) +
                                 " this file may have");
    in.seekg(0);
    std::string text(static_cast<std::size_t>(size), '\0');
    in.read(text.data(), size);
    if (!in)
        throwFileError(path, "could not be read completely");
    return text;
}

namespace {

// Tokens appear either as plain strings or as {"__type": "AddedToken", "content": ...}.
std::optional<std::string> tokenContent(const nlohmann::json& cfg, const char* key, const std::string& path)
{
    auto it = cfg.find(key);
    if (it == cfg.end() || it->is_null())
        return std::nullopt;
    if (it->is_string())
        return it->get<std::string>();
    if (it->is_object() && it->contains("content") && (*it)["content"].is_string())
        return (*it)["content"].get<std::string>();
    throwFileError(path, std::string("\"") + key + "\" must be a string or an object with \"content\"");
}

}  // namespace

TokenizerConfig readTokenizerConfig(const std::string& path)
{
    try {
        return parseTokenizerConfig(readJsonFile(path, kTokenizerConfigLimits), path);
    } catch (const nlohmann::json::exception& e) {
        throwFileError(path, std::string("has an unexpected structure (") + e.what() + ")");
    }
}

TokenizerConfig parseTokenizerConfig(const nlohmann::json& cfg, const std::string& path)
{
    if (!cfg.is_object())
        throwFileError(path, "must hold a JSON object");
    TokenizerConfig out;
    out.bosToken = tokenContent(cfg, "bos_token", path);
    out.eosToken = tokenContent(cfg, "eos_token", path);
    // transformers' Llama tokenizers (DeepSeek's tokenizer_class) add BOS unless told not to.
    const auto cls = cfg.find("tokenizer_class");
    out.addBosToken = cls != cfg.end() && cls->is_string() && cls->get<std::string>().rfind("LlamaTokenizer", 0) == 0;
    if (auto it = cfg.find("add_bos_token"); it != cfg.end() && it->is_boolean())
        out.addBosToken = it->get<bool>();
    if (auto it = cfg.find("chat_template"); it != cfg.end()) {
        if (it->is_string()) {
            out.chatTemplate = it->get<std::string>();
        } else if (it->is_array()) {
            // Newer files list named templates: [{"name": "default", "template": "..."}, ...].
            for (const auto& t : *it)
                if (t.is_object() && t.contains("name") && t["name"] == "default" && t.contains("template") && t["template"].is_string())
                    out.chatTemplate = t["template"].get<std::string>();
        } else if (!it->is_null()) {
            throwFileError(path, "\"chat_template\" must be a string or a list of named templates");
        }
    }
    return out;
}

}  // namespace fathom::inference
