// Moving a conversation out of and back into Fathom: Markdown (the shown path, for reading and
// pasting) and JSON (the whole tree — branches, active choices, statuses, times, stats — which
// importJson() reads back without losing anything).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace fathom::storage {

class ConversationStore;

inline constexpr const char* kExportFormat = "fathom.conversation";
inline constexpr int kExportVersion = 1;

enum class ExportIds {
    Local,     // messages numbered 1..n in the file: exports are portable and compare equal
    Database,  // database ids, for tools that act on this database (fathom-cli chat --list)
};

std::string exportMarkdown(const ConversationStore& store, std::int64_t conversationId);
nlohmann::json exportJson(const ConversationStore& store, std::int64_t conversationId,
                          ExportIds ids = ExportIds::Local);

// Adds the conversation in `jsonText` as a new conversation and returns its id. The file is
// checked first (format, version, types, that parents come before children, that active choices
// point at children); anything wrong is one UserInput error naming `sourceName` and the problem,
// and nothing is added. A reply exported while `streaming` comes back `interrupted`: nobody is
// streaming it any more.
std::int64_t importJson(ConversationStore& store, const std::string& jsonText, const std::string& sourceName);

}  // namespace fathom::storage
