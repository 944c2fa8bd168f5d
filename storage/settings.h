// Global settings: typed key/values with defaults. The defaults table in settings.cpp is the one
// list of keys Fathom knows; a key that is not set reads as its default, so adding a setting needs
// no migration. Values are stored as JSON text in the `settings` table.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <span>
#include <string>

namespace fathom::storage {

class Database;

enum class SettingType { String, Int, Double, Bool, Json };  // not stored; values are JSON on disk

struct SettingSpec {
    const char* key;          // "chat.temperature"
    SettingType type;
    const char* defaultJson;  // the default as JSON text: "0.7", "\"auto\"", "true", "{}"
    const char* description;  // one line, for the settings UI and `--help`
};

class Settings final {
public:
    explicit Settings(const Database& db) : m_db(db) {}

    static std::span<const SettingSpec> specs();
    // Throws UserInput naming the key for an unknown key.
    static const SettingSpec& spec(const std::string& key);

    // Getters throw UserInput for an unknown key or a getter of the wrong type (naming both). A
    // stored value of the wrong type (a damaged or hand-edited file) reads as the default.
    std::string getString(const std::string& key) const;
    std::int64_t getInt(const std::string& key) const;
    double getDouble(const std::string& key) const;
    bool getBool(const std::string& key) const;
    nlohmann::json getJson(const std::string& key) const;

    void setString(const std::string& key, const std::string& value);
    void setInt(const std::string& key, std::int64_t value);
    void setDouble(const std::string& key, double value);  // finite only
    void setBool(const std::string& key, bool value);
    void setJson(const std::string& key, const nlohmann::json& value);

    bool isSet(const std::string& key) const;  // false: reads as the default
    void reset(const std::string& key);        // back to the default

private:
    nlohmann::json read(const std::string& key, SettingType type) const;
    void write(const std::string& key, SettingType type, const nlohmann::json& value);

    const Database& m_db;
};

}  // namespace fathom::storage
