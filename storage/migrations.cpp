#include "storage/migrations.h"

#include "base/error.h"
#include "storage/database.h"
#include "storage/transaction.h"

#include <string>

namespace fathom::storage {

namespace {

const MigrationStep kSteps[] = {
    {1, "conversations, message tree, search index, settings, models, downloads", migrateToV1},
};
static_assert(std::size(kSteps) == kSchemaVersion, "one migration step per schema version");

}  // namespace

std::span<const MigrationStep> migrationSteps() { return kSteps; }

void migrate(const Database& db, std::span<const MigrationStep> steps, int targetVersion)
{
    int version = db.userVersion();
    int newest = static_cast<int>(steps.size());
    if (version > newest)
        throwFileError(db.path(), "was written by a newer Fathom (schema version " + std::to_string(version) +
                                      ", this build understands up to " + std::to_string(newest) +
                                      "); update Fathom to open it");
    if (targetVersion > newest)
        throwInternalError("no migration to schema version " + std::to_string(targetVersion));
    while (version < targetVersion) {
        const MigrationStep& step = steps[static_cast<std::size_t>(version)];
        Transaction t(db);
        // Re-read inside the write lock: another process may have migrated while we waited.
        int now = db.userVersion();
        if (now != version) {
            version = now;
            continue;  // the destructor rolls back our empty transaction
        }
        try {
            step.apply(db);
        } catch (const Error& e) {
            throw Error(e.kind(), std::string(e.what()) + " (while upgrading the schema to version " +
                                      std::to_string(step.toVersion) + ": " + step.description + ")");
        }
        db.exec("PRAGMA user_version=" + std::to_string(step.toVersion));
        t.commit();
        version = step.toVersion;
    }
}

}  // namespace fathom::storage
