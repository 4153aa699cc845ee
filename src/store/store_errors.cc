#include "store/store_errors.h"

#include <string>

namespace scansync::store {
namespace {

class StoreCategory : public std::error_category {
 public:
  const char* name() const noexcept override { return "scansync.store"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::open_failed: return "cannot open the database file";
      case errc::not_a_database: return "file is not a scansync SQLite database (or is corrupt)";
      case errc::schema_too_new: return "database written by a newer scansync";
      case errc::sql_error: return "database statement failed";
      case errc::cursor_expired: return "sync cursor expired";
      case errc::busy: return "database is locked by another connection";
      case errc::disk_full: return "disk full: no space for the database or its WAL";
      case errc::io_error: return "I/O error on the database file";
      case errc::read_only: return "database file or folder is read-only";
    }
    return "unknown store error";
  }
};

}  // namespace

const std::error_category& category() {
  static const StoreCategory c;
  return c;
}

}  // namespace scansync::store
