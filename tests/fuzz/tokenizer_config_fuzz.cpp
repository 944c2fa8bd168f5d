// libFuzzer target: arbitrary bytes as tokenizer_config.json, parsed under its caps. Must end in a
// TokenizerConfig or in fathom::Error (never a crash or a stray nlohmann exception).
#include "inference/model/json_file.h"
#include "inference/tokenizer/tokenizer_files.h"

#include "base/error.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace fathom::inference;
    try {
        const auto j = parseJsonText(std::string_view(reinterpret_cast<const char*>(data), size),
                                     "tokenizer_config.json", kTokenizerConfigLimits.maxValues);
        const TokenizerConfig c = parseTokenizerConfig(j, "tokenizer_config.json");
        volatile std::size_t n = c.chatTemplate.size() + (c.bosToken ? c.bosToken->size() : 0);
        (void)n;
    } catch (const fathom::Error&) {
    }
    return 0;
}
