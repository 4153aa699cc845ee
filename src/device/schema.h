#pragma once
// The device database's schema, its migrations and the checks that decide
// whether a file is ours before anything is written to it.
#include <cstdint>
#include <filesystem>
#include <system_error>

#include "device/sqlite_db.h"

namespace scansync::device::detail {

// "ScDv": marks the file as a scansync device database (PRAGMA
// application_id). The gateway's is "ScNc"; each refuses the other's file.
inline constexpr std::int64_t kApplicationId = 0x53634476;
// Migrations run in order: migration i brings user_version from i to i + 1.
int schema_version_count();
inline std::int64_t current_schema_version() { return schema_version_count(); }

// Looks at the file's first bytes without SQLite: a file shorter than the
// 100-byte header or without the SQLite magic → not_a_device_database; an
// application_id in the header other than 0 or ours → not_a_device_database.
// A missing or empty file passes (a new database). Reading with plain I/O
// means SQLite never opens (or touches, e.g. with a hot-journal rollback) a
// file that plainly is not ours.
std::error_code check_file_header(const std::filesystem::path& file);

struct SchemaOptions {
  bool synchronous_full = false;
  bool verify = true;  // PRAGMA quick_check before the first write
};

// Decides whether the open connection's file is ours, and only then writes:
// WAL, synchronous, migrations up to current_schema_version() (one
// transaction each, together with their user_version). Refuses, writing
// nothing: another application's database, a non-empty database without
// our application_id, a newer user_version (schema_too_new), a file that
// fails quick_check (not_a_device_database).
std::error_code prepare_schema(Database& db, const SchemaOptions& options);

}  // namespace scansync::device::detail
