#pragma once
// Errors of the gateway's SQLite scan store.
#include <system_error>

namespace scansync::store {

enum class errc {
  open_failed = 1,     // the file cannot be opened or created
  not_a_database,      // the file is not SQLite, is corrupt, or belongs to another application
  schema_too_new,      // written by a newer scansync (PRAGMA user_version above ours)
  sql_error,           // a statement failed (disk full, I/O error …)
  cursor_expired,      // sync:since cursor older than the tombstones kept, or ahead of the user's seq
  disk_full,           // SQLITE_FULL: no space left for the database or its WAL
  io_error,            // SQLITE_IOERR: the operating system failed a read, write or sync
  read_only,           // SQLITE_READONLY: the file or its folder cannot be written
  busy,                // another connection holds the lock (SQLITE_BUSY/LOCKED past the busy timeout): retry later
};

const std::error_category& category();  // name "scansync.store"
inline std::error_code make_error_code(errc e) { return {static_cast<int>(e), category()}; }

}  // namespace scansync::store

template <>
struct std::is_error_code_enum<scansync::store::errc> : std::true_type {};
