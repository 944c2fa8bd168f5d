// One function per `fathom-cli` subcommand (docs/ARCHITECTURE.md, "Command-line contract"). Each returns
// the process exit status; user errors are thrown as fathom::Error and mapped to status 1 by main().
#pragma once

namespace fathom::cli {

// argv[0] is "fathom-cli", argv[1] the command; options start at argv[2].
using CommandFn = int (*)(int argc, char** argv);

struct Command {
    const char* name;
    const char* usage;  // one line, shown by `fathom-cli help`
    CommandFn run;
};

int runVersion(int argc, char** argv);
int runTokenize(int argc, char** argv);
int runDetokenize(int argc, char** argv);
int runRenderChat(int argc, char** argv);
int runBenchTokenizer(int argc, char** argv);
int runLogits(int argc, char** argv);
int runGenerate(int argc, char** argv);
int runBench(int argc, char** argv);
int runChat(int argc, char** argv);  // built when SQLite is found (FATHOM_HAVE_STORAGE)
int runServe(int argc, char** argv);  // built with cpp-httplib (FATHOM_HAVE_SERVER); otherwise says this build lacks it
int runDownload(int argc, char** argv);  // Qt build only; otherwise says this build lacks it

}  // namespace fathom::cli
