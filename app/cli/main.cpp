// fathom-cli: the headless front end. Dispatches to one function per subcommand and turns errors
// into the contract's exit codes: 0 success, 1 user error (one line on stderr), 2 internal error.
#include "app/cli/commands.h"

#include "base/error.h"

#include <cstdio>
#include <cstring>
#include <exception>
#include <new>

using namespace fathom::cli;

namespace {

const Command kCommands[] = {
    {"version", "fathom-cli version", runVersion},
    {"tokenize", "fathom-cli tokenize --tokenizer FILE_OR_DIR (--text TEXT | --text-file F)", runTokenize},
    {"detokenize", "fathom-cli detokenize --tokenizer FILE_OR_DIR --ids 1,2,3 [--skip-special]", runDetokenize},
    {"render-chat", "fathom-cli render-chat --format deepseek-v2|deepseek-v3|deepseek-r1|auto --messages FILE.json "
                    "[--add-generation-prompt] [--model DIR] [--ids [--tokenizer FILE_OR_DIR]]", runRenderChat},
    {"bench-tokenizer", "fathom-cli bench-tokenizer --tokenizer FILE_OR_DIR [--corpus FILE | --texts-json FILE] [--mb N]", runBenchTokenizer},
    {"logits", "fathom-cli logits [--model DIR] (--tokens 1,2,3 | --tokens-file FILE) --out FILE.npy [--context N] [--backend cpu|cuda] [--threads N] [--gpu-memory-limit GiB]", runLogits},
    {"generate", "fathom-cli generate [--model DIR] (--prompt TEXT | --tokens 1,2,3 | --tokens-file FILE) [--max-tokens N] [--temperature T] [--top-p P] [--top-k K] [--min-p P] [--repetition-penalty R] [--presence-penalty P] [--frequency-penalty F] [--seed S] [--ids] [--stats] [--backend cpu|cuda] [--threads N] [--context N] [--gpu-memory-limit GiB] [--weights bf16|q8|q4]", runGenerate},
    {"bench", "fathom-cli bench --random-weights [--config FILE | --shape v2-lite] [--prompt-tokens 512] [--decode-tokens 32] [--threads N] [--dtype bf16|f16|f32]", runBench},
#ifdef FATHOM_HAVE_STORAGE
    {"chat", "fathom-cli chat --db FILE [--model DIR] [--conversation ID] --message TEXT [--max-tokens N] [--temperature T] [--seed S] | --list [--conversation ID]", runChat},
#endif
    {"serve", "fathom-cli serve [--model DIR|FILE] [--host 127.0.0.1] [--port 8080] [--api-key KEY] [--cors-origin ORIGIN] "
              "[--context N] [--max-queue N] [--backend cpu|cuda] [--threads N] [--gpu-memory-limit GiB] [--weights bf16|q8|q4]", runServe},
    {"download", "fathom-cli download --repo ORG/NAME [--revision REV] [--endpoint URL] [--cache DIR] "
                 "[--include GLOB[,GLOB]] [--token T] [--parallel N] [--stall-seconds S]", runDownload},
};

void printUsage(std::FILE* to)
{
    std::fprintf(to, "usage: fathom-cli COMMAND [options]\n\ncommands:\n");
    for (const Command& c : kCommands)
        std::fprintf(to, "  %s\n", c.usage);
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc < 2) {
        printUsage(stderr);
        return 1;
    }
    const char* name = argv[1];
    if (!std::strcmp(name, "--version") || !std::strcmp(name, "-V"))
        return runVersion(argc, argv);
    if (!std::strcmp(name, "help") || !std::strcmp(name, "--help") || !std::strcmp(name, "-h")) {
        printUsage(stdout);
        return 0;
    }
    for (const Command& c : kCommands) {
        if (std::strcmp(c.name, name) != 0)
            continue;
        try {
            return c.run(argc, argv);
        } catch (const fathom::Error& e) {
            std::fprintf(stderr, "fathom-cli %s: %s\n", name, e.what());
            return e.kind() == fathom::ErrorKind::UserInput ? 1 : 2;
        } catch (const std::bad_alloc&) {
            std::fprintf(stderr, "fathom-cli %s: out of memory\n", name);
            return 2;
        } catch (const std::exception& e) {
            std::fprintf(stderr, "fathom-cli %s: internal error: %s\n", name, e.what());
            return 2;
        }
    }
    std::fprintf(stderr, "fathom-cli: unknown command '%s' (try: fathom-cli help)\n", name);
    return 1;
}
