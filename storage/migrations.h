// Forward-only schema migrations. The database's version lives in PRAGMA user_version; step N
// turns a version N-1 database into version N inside one transaction that also sets user_version,
// so a crash mid-migration leaves the previous version intact. To change the schema: add
// schema_vN.cpp with a step, append it to migrationSteps(), bump kSchemaVersion, and give the
// migration test a seed for version N-1 (tests/storage/migration_test.cpp).
#pragma once

#include <span>

namespace fathom::storage {

class Database;

inline constexpr int kSchemaVersion = 1;

struct MigrationStep {
    int toVersion;            // this step produces this user_version
    const char* description;  // one line, for errors and logs
    void (*apply)(const Database& db);
};

// All steps, in order: steps[i].toVersion == i + 1.
std::span<const MigrationStep> migrationSteps();

// Applies steps until the database is at `targetVersion`. Throws when the file is newer than this
// build understands (naming both versions) or a step fails (that step is rolled back).
void migrate(const Database& db, std::span<const MigrationStep> steps, int targetVersion);

// The individual steps (schema_vN.cpp).
void migrateToV1(const Database& db);

}  // namespace fathom::storage
