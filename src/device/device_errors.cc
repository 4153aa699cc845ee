#include <string>

#include "scansync/device/device_store.h"

namespace scansync::device {
namespace {

class DeviceCategory : public std::error_category {
 public:
  const char* name() const noexcept override { return "scansync.device"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::open_failed: return "cannot open the device database file";
      case errc::not_a_device_database: return "file is not a scansync device database (or is truncated or corrupt)";
      case errc::schema_too_new: return "device database written by a newer scansync";
      case errc::storage_full: return "device storage is full";
      case errc::busy: return "device database is locked by another connection";
      case errc::sql_error: return "device database statement failed";
      case errc::bad_scan: return "scan does not follow the contract";
      case errc::wrong_user: return "scan belongs to another user";
      case errc::not_found: return "no such scan";
      case errc::deleted: return "scan id was deleted on this device";
    }
    return "unknown device store error";
  }
};

}  // namespace

const std::error_category& category() {
  static const DeviceCategory c;
  return c;
}

}  // namespace scansync::device
