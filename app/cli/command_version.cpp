#include "app/cli/commands.h"

#include "fathom_version.h"

#include <cstdio>

namespace fathom::cli {

int runVersion(int, char**)
{
    std::printf("fathom-cli %s\n", FATHOM_VERSION);
    return 0;
}

}  // namespace fathom::cli
