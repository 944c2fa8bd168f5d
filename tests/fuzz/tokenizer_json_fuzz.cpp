// libFuzzer target: arbitrary bytes as tokenizer.json. Loading must end in a Tokenizer or in
// fathom::Error, under the file's value and depth caps; a loaded one must encode and decode a
// fixed text (with added tokens and invalid UTF-8 rejected cleanly) without a sanitizer report.
#include "inference/tokenizer/tokenizer.h"

#include "base/error.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace fathom::inference;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const auto tok = Tokenizer::fromJson(text, "tokenizer.json");
        const auto ids = tok->encode("def f(x):\n    return x  # héllo 123 <｜fim▁hole｜>\n\n");
        (void)tok->decode(ids, /*skipSpecial=*/false);
        (void)tok->decode(ids, /*skipSpecial=*/true);
    } catch (const fathom::Error&) {
    }
    return 0;
}
