// `fathom-cli tokenize --tokenizer FILE_OR_DIR (--text TEXT | --text-file F)`: prints the ids as a
// JSON array, nothing added (no BOS); added tokens written in the text are matched as tokens.
#include "app/cli/cli_args.h"
#include "app/cli/commands.h"

#include "inference/tokenizer/tokenizer.h"
#include "inference/tokenizer/tokenizer_files.h"
#include "base/error.h"

#include <cstdio>
#include <string>

namespace fathom::cli {

int runTokenize(int argc, char** argv)
{
    CliArgs args(argc, argv, 2, {}, {"tokenizer", "text", "text-file"});
    if (args.has("text") == args.has("text-file"))
        throwUserError("give exactly one of --text TEXT or --text-file FILE");
    const auto tok = inference::Tokenizer::load(args.get("tokenizer"));
    std::string text;
    std::vector<std::int32_t> ids;
    if (args.has("text")) {
        ids = tok->encode(args.get("text"));
    } else {
        const std::string path = args.get("text-file");
        text = inference::readTextFile(path, std::size_t{1} << 30);
        try {
            ids = tok->encode(text);
        } catch (const Error& e) {
            throwFileError(path, e.what());  // say which file held the bad text
        }
    }
    std::string out = "[";
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (i)
            out += ',';
        out += std::to_string(ids[i]);
    }
    out += "]\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
}

}  // namespace fathom::cli
