#pragma once
// The scan store's schema: its versions, and the migration of an older file.
#include <cstdint>
#include <string>
#include <system_error>

#include "scansync/result.h"
#include "store/sqlite.h"

namespace scansync::store {

// "ScNc": marks the file as a scansync gateway database (PRAGMA application_id).
inline constexpr std::int64_t kApplicationId = 0x53634E63;
// PRAGMA user_version of the schema this code reads and writes.
inline constexpr std::int64_t kCurrentSchemaVersion = 2;

// Sets WAL, then creates the schema in an empty file or checks an existing
// one (application_id, user_version) and migrates it to the current version:
// all steps from its version on, in one transaction, so a file is at one
// version or the next, never between. A file of a newer version →
// schema_too_new; someone else's file → not_a_database.
std::error_code prepare_schema(Database& db);

// The database's epoch (meta table; see schema.cc). Precondition: prepare_schema succeeded.
Result<std::string> read_epoch(Database& db);

}  // namespace scansync::store
