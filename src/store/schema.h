#pragma once
// The scan store's schema and its version check.
#include <system_error>

#include "store/sqlite.h"

namespace scansync::store {

// "ScNc": marks the file as a scansync gateway database (PRAGMA application_id).
inline constexpr std::int64_t kApplicationId = 0x53634E63;
inline constexpr std::int64_t kCurrentSchemaVersion = 1;

// Sets WAL + synchronous=NORMAL, then creates the schema in an empty file or
// checks an existing one (application_id, user_version). WAL with NORMAL
// syncs at checkpoints only, but a committed transaction is in the WAL file
// (the OS page cache) when COMMIT returns, so a killed process loses nothing;
// only an OS crash or power loss may drop the last commits.
std::error_code prepare_schema(Database& db);

}  // namespace scansync::store
