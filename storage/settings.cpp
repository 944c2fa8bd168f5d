#include "storage/settings.h"

#include "base/error.h"
#include "storage/database.h"
#include "storage/statement.h"
#include "storage/transaction.h"

#include <cmath>

namespace fathom::storage {

namespace {

// Keys are stored on disk — never rename one (add a new key and read the old one in a migration).
const SettingSpec kSpecs[] = {
    {"chat.system_prompt", SettingType::String, R"("")", "system prompt for new conversations (empty: none)"},
    {"chat.max_tokens", SettingType::Int, "2048", "longest reply, in tokens"},
    {"chat.context_length", SettingType::Int, "4096", "tokens of context the engine keeps"},
    {"chat.temperature", SettingType::Double, "0.7", "sampling temperature (0: always the likeliest token)"},
    {"chat.top_p", SettingType::Double, "0.95", "nucleus sampling (1: off)"},
    {"chat.top_k", SettingType::Int, "0", "sample among the k likeliest tokens (0: off)"},
    {"chat.min_p", SettingType::Double, "0.0", "drop tokens below this fraction of the likeliest (0: off)"},
    {"chat.repetition_penalty", SettingType::Double, "1.0", "penalty on repeated tokens (1: off)"},
    {"chat.show_reasoning", SettingType::Bool, "true", "show R1-style reasoning above the answer"},
    {"chat.stop_strings", SettingType::Json, "[]", "extra strings that end a reply (JSON array)"},
    {"model.default", SettingType::String, R"("")", "model folder for new conversations (empty: ask)"},
    {"engine.backend", SettingType::String, R"("auto")", "auto, cuda or cpu"},
    {"engine.cpu_threads", SettingType::Int, "0", "CPU backend threads (0: all cores)"},
    {"engine.weights", SettingType::String, R"("bf16")", "bf16 (as stored), q8 or q4: quantize a checkpoint while it loads"},
    {"engine.gpu_memory_limit_gib", SettingType::Double, "0", "most GPU memory the model may plan for, GiB (0: what is free)"},
    {"editor.fim_enabled", SettingType::Bool, "true", "ghost-text completion in the code editor"},
    {"editor.fim_debounce_ms", SettingType::Int, "250", "pause after typing before asking for a completion"},
    {"editor.fim_max_tokens", SettingType::Int, "64", "longest ghost-text suggestion, in tokens"},
    {"editor.fim_model", SettingType::String, R"("")", "Base model used for completion (empty: the chat model)"},
    {"server.enabled", SettingType::Bool, "false", "serve the loaded local model on an OpenAI-compatible API (loopback only)"},
    {"server.port", SettingType::Int, "8080", "port of the local API server on 127.0.0.1"},
    {"remote.servers", SettingType::Json, "[]", "OpenAI-compatible servers (name, base URL, models; keys live in the keyring)"},
    {"downloads.endpoint", SettingType::String, R"("https://huggingface.co")", "hub address"},
    {"downloads.cache_dir", SettingType::String, R"("")", "HF cache folder (empty: $HF_HOME or ~/.cache/huggingface/hub)"},
    {"ui.theme", SettingType::String, R"("system")", "system, light or dark"},
    {"ui.font_size", SettingType::Int, "11", "chat font size in points"},
    {"ui.window_geometry", SettingType::Json, "{}", "main window size and splitter positions"},
};

const char* typeName(SettingType t)
{
    switch (t) {
    case SettingType::String: return "a string";
    case SettingType::Int: return "an integer";
    case SettingType::Double: return "a number";
    case SettingType::Bool: return "a boolean";
    case SettingType::Json: return "JSON";
    }
    return "?";
}

bool hasType(const nlohmann::json& v, SettingType t)
{
    switch (t) {
    case SettingType::String: return v.is_string();
    case SettingType::Int: return v.is_number_integer();
    case SettingType::Double: return v.is_number();  // 1 is a fine double
    case SettingType::Bool: return v.is_boolean();
    case SettingType::Json: return true;
    }
    return false;
}

}  // namespace

std::span<const SettingSpec> Settings::specs() { return kSpecs; }

const SettingSpec& Settings::spec(const std::string& key)
{
    for (const SettingSpec& s : kSpecs)
        if (key == s.key)
            return s;
    throwUserError("unknown setting '" + key + "'");
}

nlohmann::json Settings::read(const std::string& key, SettingType type) const
{
    const SettingSpec& s = spec(key);
    if (s.type != type)
        throwUserError("setting '" + key + "' is " + typeName(s.type) + ", not " + typeName(type));
    Statement q(m_db, "SELECT value FROM settings WHERE key = ?1");
    q.bindText(1, key);
    if (q.step()) {
        auto v = nlohmann::json::parse(q.textAt(0), nullptr, false);
        if (!v.is_discarded() && hasType(v, type))
            return v;
    }
    return nlohmann::json::parse(s.defaultJson);
}

void Settings::write(const std::string& key, SettingType type, const nlohmann::json& value)
{
    const SettingSpec& s = spec(key);
    if (s.type != type)
        throwUserError("setting '" + key + "' is " + typeName(s.type) + ", not " + typeName(type));
    inTransaction(m_db, [&] {
        Statement q(m_db, "INSERT OR REPLACE INTO settings(key, value) VALUES (?1, ?2)");
        q.bindText(1, key).bindText(2, value.dump()).run();
    });
}

std::string Settings::getString(const std::string& key) const { return read(key, SettingType::String).get<std::string>(); }

std::int64_t Settings::getInt(const std::string& key) const { return read(key, SettingType::Int).get<std::int64_t>(); }

double Settings::getDouble(const std::string& key) const { return read(key, SettingType::Double).get<double>(); }

bool Settings::getBool(const std::string& key) const { return read(key, SettingType::Bool).get<bool>(); }

nlohmann::json Settings::getJson(const std::string& key) const { return read(key, SettingType::Json); }

void Settings::setString(const std::string& key, const std::string& value) { write(key, SettingType::String, value); }

void Settings::setInt(const std::string& key, std::int64_t value) { write(key, SettingType::Int, value); }

void Settings::setDouble(const std::string& key, double value)
{
    if (!std::isfinite(value))
        throwUserError("setting '" + key + "' must be a finite number");
    write(key, SettingType::Double, value);
}

void Settings::setBool(const std::string& key, bool value) { write(key, SettingType::Bool, value); }

void Settings::setJson(const std::string& key, const nlohmann::json& value) { write(key, SettingType::Json, value); }

bool Settings::isSet(const std::string& key) const
{
    spec(key);
    Statement q(m_db, "SELECT 1 FROM settings WHERE key = ?1");
    q.bindText(1, key);
    return q.step();
}

void Settings::reset(const std::string& key)
{
    spec(key);
    inTransaction(m_db, [&] {
        Statement q(m_db, "DELETE FROM settings WHERE key = ?1");
        q.bindText(1, key).run();
    });
}

}  // namespace fathom::storage
