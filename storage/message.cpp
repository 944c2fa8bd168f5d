#include "storage/message.h"

#include "base/error.h"

namespace fathom::storage {

namespace {

// Index = enum value; the strings are what is on disk.
constexpr const char* kRoles[] = {"system", "user", "assistant"};
constexpr const char* kStatuses[] = {"streaming", "complete", "stopped", "error", "interrupted"};

}  // namespace

const char* toString(MessageRole role) { return kRoles[static_cast<int>(role)]; }

const char* toString(MessageStatus status) { return kStatuses[static_cast<int>(status)]; }

MessageRole roleFromString(const std::string& text)
{
    for (int i = 0; i < 3; ++i)
        if (text == kRoles[i])
            return static_cast<MessageRole>(i);
    throwUserError("unknown message role '" + text + "' (expected system, user or assistant)");
}

MessageStatus statusFromString(const std::string& text)
{
    for (int i = 0; i < 5; ++i)
        if (text == kStatuses[i])
            return static_cast<MessageStatus>(i);
    throwUserError("unknown message status '" + text +
                   "' (expected streaming, complete, stopped, error or interrupted)");
}

}  // namespace fathom::storage
