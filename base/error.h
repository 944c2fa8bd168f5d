// The one error type that crosses Fathom's engine boundary: what went wrong, where, and whether
// the person at the keyboard can fix it (bad file, bad argument) or it is Fathom's fault.
#pragma once

#include <stdexcept>
#include <string>

namespace fathom {

// Stored nowhere; used to pick exit codes and UI wording.
enum class ErrorKind {
    UserInput,    // bad file, bad argument, unsupported model: the message says what to change
    Resource,     // out of memory (host or GPU), disk full, context full
    Cancelled,    // the request was cancelled
    Internal,     // a bug in Fathom
};

class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), m_kind(kind) {}
    ErrorKind kind() const noexcept { return m_kind; }

private:
    ErrorKind m_kind;
};

// "FILE: problem" — the form every file-related message takes (CONTRIBUTING.md, "Errors").
[[noreturn]] void throwFileError(const std::string& file, const std::string& problem);
[[noreturn]] void throwUserError(const std::string& message);
[[noreturn]] void throwInternalError(const std::string& message);

}  // namespace fathom
