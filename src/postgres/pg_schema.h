#pragma once
// The PostgreSQL scan store's schema: versioned migrations, recorded in
// schema_migrations (one row per version applied), run by whichever node
// connects first under a transaction-scoped advisory lock, so that nodes
// starting together migrate once. A database whose recorded version is
// newer than kSchemaVersion is refused (the node stays unavailable and says
// why) rather than written with an older idea of the tables.
#include <cstdint>
#include <span>
#include <string>

namespace scansync::postgres {

inline constexpr int kSchemaVersion = 1;

// pg_advisory_xact_lock key of migrations ("ScNc" as in the SQLite application_id).
inline constexpr std::int64_t kMigrationLock = 0x53634E63;

// The statements that take a database from version `to - 1` to `to`
// (1 ≤ to ≤ kSchemaVersion), each sent as one statement.
std::span<const char* const> migration_to(int to);

// What a node prints when the database is newer than it.
std::string schema_too_new_detail(std::int64_t found);

}  // namespace scansync::postgres
