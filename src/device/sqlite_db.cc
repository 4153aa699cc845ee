#include "device/sqlite_db.h"

namespace scansync::device::detail {

std::error_code to_error(int rc) {
  switch (rc & 0xFF) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE: return {};
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT: return errc::not_a_device_database;
    case SQLITE_CANTOPEN: return errc::open_failed;
    case SQLITE_FULL: return errc::storage_full;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return errc::busy;
    default: return errc::sql_error;
  }
}

Result<Database> open_database(const std::string& path, int busy_timeout_ms) {
  return Database::open(path, busy_timeout_ms, &to_error);
}

}  // namespace scansync::device::detail
