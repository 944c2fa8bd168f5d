// Implementation of the shared tokenizer test helpers.
#include "tests/inference/tokenizer_test_support.h"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <mutex>

namespace fathom::test {

namespace fs = std::filesystem;

std::string tinyV2Dir() { return std::string(FATHOM_TEST_DATA) + "/tokenizer/tiny-v2"; }

nlohmann::json tinyV2Json()
{
    std::ifstream in(tinyV2Dir() + "/tokenizer.json");
    return nlohmann::json::parse(in);
}

std::string writeTokenizerDir(const std::string& name, const nlohmann::json& tokenizerJson,
                              const std::vector<std::pair<std::string, nlohmann::json>>& extra)
{
    const fs::path dir = fs::path(FATHOM_BINARY_DIR) / "test-tmp" / "tokenizer" / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::ofstream(dir / "tokenizer.json") << tokenizerJson.dump();
    for (const auto& [file, content] : extra)
        std::ofstream(dir / file) << content.dump();
    return dir.string();
}

std::string deepseekV3Dir(std::string& reason)
{
    const char* env = std::getenv("FATHOM_TEST_CACHE");
    const char* home = std::getenv("HOME");
    const fs::path cache = env && *env ? fs::path(env) : fs::path(home ? home : "/tmp") / ".cache/fathom/test-data";
    const fs::path dir = cache / "deepseek-v3-tokenizer";
    auto present = [&] { return fs::is_regular_file(dir / "tokenizer.json") && fs::is_regular_file(dir / "tokenizer_config.json"); };
    static std::once_flag tried;
    const fs::path errorFile = cache / "deepseek-v3-tokenizer.error";
    std::error_code ec;
    const auto errorTime = fs::last_write_time(errorFile, ec);
    const bool failedRecently = !ec && fs::file_time_type::clock::now() - errorTime < std::chrono::minutes(30);
    if (!present() && !failedRecently) {
        // Normally tools/quickstart.sh fetched it before ctest; a bare ctest run fetches it here once.
        // After a recent failure every test process would wait on the network again: just skip.
        std::call_once(tried, [] {
            const std::string cmd = "bash '" + std::string(FATHOM_TEST_DATA) + "/../../tools/fetch-test-data.sh' >/dev/null 2>&1";
            [[maybe_unused]] int rc = std::system(cmd.c_str());
        });
    }
    if (present())
        return dir.string();
    std::ifstream err(errorFile);
    std::getline(err, reason);
    if (reason.empty())
        reason = "tools/fetch-test-data.sh did not produce " + dir.string();
    return {};
}

std::vector<std::string> tokenTexts(const inference::Tokenizer& tok, const std::vector<std::int32_t>& ids)
{
    std::vector<std::string> out;
    for (std::int32_t id : ids) {
        if (const auto* a = tok.addedTokens().byId(id))
            out.push_back(a->content);
        else
            out.emplace_back(tok.model().tokenText(id));
    }
    return out;
}

}  // namespace fathom::test
