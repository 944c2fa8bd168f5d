// libFuzzer target: arbitrary bytes as generation_config.json, parsed under its caps. Must end in
// eos ids inside the vocab or in fathom::Error.
#include "inference/model/generation_config.h"
#include "inference/model/json_file.h"

#include "base/error.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace fathom::inference;
    constexpr std::int64_t kVocab = 102400;
    try {
        const auto j = parseJsonText(std::string_view(reinterpret_cast<const char*>(data), size),
                                     "generation_config.json", kGenerationConfigLimits.maxValues);
        for (const std::int32_t id : generationEosTokens(j, kVocab))
            if (id < 0 || id >= kVocab)
                std::abort();
    } catch (const fathom::Error&) {
    }
    return 0;
}
