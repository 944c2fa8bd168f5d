// `fathom-cli download` in a build without Qt (FATHOM_GUI=OFF): the hub client needs Qt Network,
// so this build says so plainly instead of pretending the command does not exist.
#include "app/cli/commands.h"
#include "base/error.h"

namespace fathom::cli {

int runDownload(int, char**)
{
    throwUserError("this fathom-cli was built without Qt (FATHOM_GUI=OFF), so it has no hub downloader; "
                   "rebuild with -DFATHOM_GUI=ON, or fetch the model with `huggingface-cli download` into the "
                   "same cache (Fathom finds it there)");
}

}  // namespace fathom::cli
