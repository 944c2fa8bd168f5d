// Settings: typed values over a defaults table.
#include "base/error.h"
#include "storage/database.h"
#include "storage/settings.h"
#include "tests/storage/test_db.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

using namespace fathom::storage;

TEST(Settings, unsetKeysReadAsTheirDefaults)
{
    test::TempDir dir;
    Database db(dir.file("fathom.db"));
    Settings settings(db);
    EXPECT_DOUBLE_EQ(settings.getDouble("chat.temperature"), 0.7);
    EXPECT_EQ(settings.getInt("chat.max_tokens"), 2048);
    EXPECT_EQ(settings.getString("engine.backend"), "auto");
    EXPECT_TRUE(settings.getBool("editor.fim_enabled"));
    EXPECT_EQ(settings.getJson("chat.stop_strings"), nlohmann::json::array());
    EXPECT_FALSE(settings.isSet("chat.temperature"));
}

TEST(Settings, everyDefaultParsesAsItsDeclaredType)
{
    test::TempDir dir;
    Database db(dir.file("fathom.db"));
    Settings settings(db);
    std::set<std::string> keys;
    for (const SettingSpec& s : Settings::specs()) {
        EXPECT_TRUE(keys.insert(s.key).second) << "duplicate key " << s.key;
        switch (s.type) {
        case SettingType::String: EXPECT_NO_THROW(settings.getString(s.key)) << s.key; break;
        case SettingType::Int: EXPECT_NO_THROW(settings.getInt(s.key)) << s.key; break;
        case SettingType::Double: EXPECT_NO_THROW(settings.getDouble(s.key)) << s.key; break;
        case SettingType::Bool: EXPECT_NO_THROW(settings.getBool(s.key)) << s.key; break;
        case SettingType::Json: EXPECT_NO_THROW(settings.getJson(s.key)) << s.key; break;
        }
    }
}

TEST(Settings, storesTypedValuesAcrossReopenAndResets)
{
    test::TempDir dir;
    {
        Database db(dir.file("fathom.db"));
        Settings settings(db);
        settings.setDouble("chat.temperature", 0.25);
        settings.setInt("chat.max_tokens", 100);
        settings.setString("engine.backend", "cpu");
        settings.setBool("editor.fim_enabled", false);
        settings.setJson("ui.window_geometry", {{"width", 1200}, {"split", {0.3, 0.7}}});
        settings.setString("chat.system_prompt", "quote \" and ünïcode");
    }
    Database db(dir.file("fathom.db"));
    Settings settings(db);
    EXPECT_DOUBLE_EQ(settings.getDouble("chat.temperature"), 0.25);
    EXPECT_EQ(settings.getInt("chat.max_tokens"), 100);
    EXPECT_EQ(settings.getString("engine.backend"), "cpu");
    EXPECT_FALSE(settings.getBool("editor.fim_enabled"));
    EXPECT_EQ(settings.getJson("ui.window_geometry")["split"][1], 0.7);
    EXPECT_EQ(settings.getString("chat.system_prompt"), "quote \" and ünïcode");
    EXPECT_TRUE(settings.isSet("chat.max_tokens"));
    settings.reset("chat.max_tokens");
    EXPECT_EQ(settings.getInt("chat.max_tokens"), 2048);
}

TEST(Settings, rejectsUnknownKeysAndWrongTypesNamingThem)
{
    test::TempDir dir;
    Database db(dir.file("fathom.db"));
    Settings settings(db);
    try {
        settings.getInt("chat.temperature");
        FAIL();
    } catch (const fathom::Error& e) {
        EXPECT_EQ(std::string(e.what()), "setting 'chat.temperature' is a number, not an integer");
    }
    EXPECT_THROW(settings.setString("chat.max_tokens", "12"), fathom::Error);
    EXPECT_THROW(settings.getString("no.such.key"), fathom::Error);
    EXPECT_THROW(settings.setDouble("chat.temperature", std::nan("")), fathom::Error);
    EXPECT_FALSE(settings.isSet("chat.max_tokens"));
}

TEST(Settings, aDamagedStoredValueReadsAsTheDefault)
{
    test::TempDir dir;
    Database db(dir.file("fathom.db"));
    db.exec("INSERT INTO settings(key, value) VALUES ('chat.max_tokens', '\"lots\"'), ('chat.top_k', '{oops')");
    Settings settings(db);
    EXPECT_EQ(settings.getInt("chat.max_tokens"), 2048);
    EXPECT_EQ(settings.getInt("chat.top_k"), 0);
}

TEST(Settings, anIntegerIsAcceptedWhereANumberIsStored)
{
    test::TempDir dir;
    Database db(dir.file("fathom.db"));
    db.exec("INSERT INTO settings(key, value) VALUES ('chat.temperature', '1')");
    EXPECT_DOUBLE_EQ(Settings(db).getDouble("chat.temperature"), 1.0);
}
