// Shared helpers for the tokenizer and prompt tests: the hand-made tiny-v2 tokenizer, temporary
// tokenizer folders with edited JSON, and the real DeepSeek-V3 files fetched by
// tools/fetch-test-data.sh (tests that need them skip, saying why, when they are missing).
#pragma once

#include "inference/tokenizer/tokenizer.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace fathom::test {

// tests/data/tokenizer/tiny-v2: byte tokens (id = byte), a few merges, DeepSeek-V2 pre-tokenizer.
std::string tinyV2Dir();
nlohmann::json tinyV2Json();

// A fresh folder under the test temp dir holding `tokenizerJson` as tokenizer.json, plus the
// other files given (name -> JSON); returns its path.
std::string writeTokenizerDir(const std::string& name, const nlohmann::json& tokenizerJson,
                              const std::vector<std::pair<std::string, nlohmann::json>>& extra = {});

// Folder with the real DeepSeek-V3 tokenizer.json + tokenizer_config.json, fetching it once if
// needed; "" and `reason` set when it cannot be had.
std::string deepseekV3Dir(std::string& reason);

// The message of the fathom::Error that `fn` throws, or "" when it throws none.
template <typename Fn>
std::string errorOf(Fn&& fn)
{
    try {
        fn();
    } catch (const std::exception& e) {
        return e.what();
    }
    return {};
}

// Token texts of ids, for readable expectations (added tokens by content).
std::vector<std::string> tokenTexts(const inference::Tokenizer& tok, const std::vector<std::int32_t>& ids);

}  // namespace fathom::test

#define FATHOM_REQUIRE_DEEPSEEK_V3(dirVar)                                         \
    std::string dirVar##Reason;                                                    \
    const std::string dirVar = ::fathom::test::deepseekV3Dir(dirVar##Reason);      \
    if (dirVar.empty())                                                            \
    GTEST_SKIP() << "real DeepSeek-V3 tokenizer files unavailable: " << dirVar##Reason
