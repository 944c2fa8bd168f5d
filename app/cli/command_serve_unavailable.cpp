// `fathom-cli serve` in a build without cpp-httplib: says what to install instead of pretending the
// command does not exist.
#include "app/cli/commands.h"
#include "base/error.h"

namespace fathom::cli {

int runServe(int, char**)
{
    throwUserError("this fathom-cli was built without cpp-httplib, so it has no server; install libcpp-httplib-dev "
                   "(tools/install-deps.sh does) and rebuild");
}

}  // namespace fathom::cli
