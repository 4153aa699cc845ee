#include "store/sqlite.h"

namespace scansync::store {

std::error_code to_error(int rc) {
  switch (rc & 0xFF) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE: return {};
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT: return errc::not_a_database;
    case SQLITE_CANTOPEN: return errc::open_failed;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return errc::busy;
    case SQLITE_FULL: return errc::disk_full;
    case SQLITE_IOERR: return errc::io_error;
    case SQLITE_READONLY: return errc::read_only;
    default: return errc::sql_error;
  }
}

Result<Database> open_database(const std::string& path, int busy_timeout_ms, Database::OpenMode mode) {
  return Database::open(path, busy_timeout_ms, &to_error, mode);
}

std::error_code set_durability(Database& db, Durability d) {
  return db.exec(d == Durability::full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
}

}  // namespace scansync::store
