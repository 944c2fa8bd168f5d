// `fathom-cli detokenize --tokenizer FILE_OR_DIR --ids 1,2,3 [--skip-special]`: prints the text of
// the ids (special tokens included unless --skip-special), with no newline added.
#include "app/cli/cli_args.h"
#include "app/cli/commands.h"

#include "inference/tokenizer/tokenizer.h"
#include "base/error.h"

#include <cstdio>

namespace fathom::cli {

int runDetokenize(int argc, char** argv)
{
    CliArgs args(argc, argv, 2, {"skip-special"}, {"tokenizer", "ids"});
    const auto tok = inference::Tokenizer::load(args.get("tokenizer"));
    const std::vector<std::int32_t> ids = args.getIds("ids");
    for (std::int32_t id : ids)
        if (!tok->knows(id))
            throwUserError("--ids: " + std::to_string(id) + " is not a token of " + tok->file() + " (its ids go up to " +
                           std::to_string(tok->idLimit() - 1) + ")");
    const std::string text = tok->decode(ids, args.has("skip-special"));
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
}

}  // namespace fathom::cli
