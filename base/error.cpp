#include "base/error.h"

namespace fathom {

void throwFileError(const std::string& file, const std::string& problem)
{
    throw Error(ErrorKind::UserInput, file + ": " + problem);
}

void throwUserError(const std::string& message)
{
    throw Error(ErrorKind::UserInput, message);
}

void throwInternalError(const std::string& message)
{
    throw Error(ErrorKind::Internal, "internal error: " + message);
}

}  // namespace fathom
