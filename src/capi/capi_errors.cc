// Error codes and messages of the C ABI, the exception fence's helpers and
// the library-wide functions (version, strings).
#include <cstdlib>
#include <cstring>

#include "capi/device_handle.h"
#include "scansync/client/native_client.h"
#include "scansync/device/device_store.h"

namespace scansync::capi {
namespace {

thread_local const scansync_device* t_device = nullptr;
thread_local const Subscription* t_subscription = nullptr;

int store_code(device::errc e) {
  using device::errc;
  switch (e) {
    case errc::open_failed: return SCANSYNC_ERR_OPEN_FAILED;
    case errc::not_a_device_database: return SCANSYNC_ERR_NOT_A_DATABASE;
    case errc::schema_too_new: return SCANSYNC_ERR_SCHEMA_TOO_NEW;
    case errc::storage_full: return SCANSYNC_ERR_STORAGE_FULL;
    case errc::busy: return SCANSYNC_ERR_BUSY;
    case errc::sql_error: return SCANSYNC_ERR_STORAGE;
    case errc::bad_scan: return SCANSYNC_ERR_BAD_SCAN;
    case errc::not_found: return SCANSYNC_ERR_NOT_FOUND;
    // The C ABI never passes a user id or a scan id to create, so these
    // would be bugs.
    case errc::wrong_user:
    case errc::deleted: return SCANSYNC_ERR_INTERNAL;
  }
  return SCANSYNC_ERR_INTERNAL;
}

}  // namespace

int to_code(std::error_code ec) noexcept {
  if (!ec) return SCANSYNC_OK;
  const auto& cat = ec.category();
  if (cat == device::category()) return store_code(static_cast<device::errc>(ec.value()));
  if (cat == device::client_category()) {
    switch (static_cast<device::client_errc>(ec.value())) {
      case device::client_errc::bad_url: return SCANSYNC_ERR_BAD_URL;
      case device::client_errc::closed: return SCANSYNC_ERR_CLOSED;
    }
    return SCANSYNC_ERR_INTERNAL;
  }
  if (cat == client::native_category()) {
    switch (static_cast<client::native_errc>(ec.value())) {
      case client::native_errc::bad_url: return SCANSYNC_ERR_BAD_URL;
      case client::native_errc::bad_ca_file:
      case client::native_errc::tls_setup: return SCANSYNC_ERR_TLS;
    }
    return SCANSYNC_ERR_INTERNAL;
  }
  if (ec == std::errc::not_enough_memory) return SCANSYNC_ERR_NO_MEMORY;
  return SCANSYNC_ERR_INTERNAL;
}

int fail(scansync_device* dev, int code, std::string_view detail) noexcept {
  if (dev == nullptr) return code;
  try {
    std::lock_guard lock(dev->mu);
    dev->last_error.assign(detail.empty() ? std::string_view(scansync_error_message(code)) : detail);
  } catch (...) {
    // Out of memory while keeping the detail: the code still tells.
  }
  return code;
}

CallbackScope::CallbackScope(const scansync_device* dev, const Subscription* sub) noexcept
    : prev_dev_(t_device), prev_sub_(t_subscription) {
  t_device = dev;
  t_subscription = sub;
}

CallbackScope::~CallbackScope() {
  t_device = prev_dev_;
  t_subscription = prev_sub_;
}

bool CallbackScope::in_callback_of(const scansync_device* dev) noexcept { return dev != nullptr && t_device == dev; }
bool CallbackScope::in_callback_of(const Subscription* sub) noexcept {
  return sub != nullptr && t_subscription == sub;
}

char* copy_string(const std::string& s) noexcept {
  auto* out = static_cast<char*>(std::malloc(s.size() + 1));
  if (out == nullptr) return nullptr;
  std::memcpy(out, s.data(), s.size());
  out[s.size()] = '\0';
  return out;
}

}  // namespace scansync::capi

extern "C" {

SCANSYNC_API const char* scansync_error_message(int code) {
  switch (code) {
    case SCANSYNC_OK: return "ok";
    case SCANSYNC_ERR_INVALID_ARGUMENT: return "invalid argument";
    case SCANSYNC_ERR_NOT_A_DATABASE: return "not this device's database";
    case SCANSYNC_ERR_NOT_FOUND: return "not found";
    case SCANSYNC_ERR_CLOSED: return "the device is closed";
    case SCANSYNC_ERR_BAD_URL: return "no usable gateway URL";
    case SCANSYNC_ERR_BUFFER_TOO_SMALL: return "buffer too small";
    case SCANSYNC_ERR_BAD_SCAN: return "not a valid scan (code or format)";
    case SCANSYNC_ERR_OPEN_FAILED: return "the database cannot be opened or created";
    case SCANSYNC_ERR_SCHEMA_TOO_NEW: return "the database was written by a newer scansync";
    case SCANSYNC_ERR_STORAGE_FULL: return "storage full";
    case SCANSYNC_ERR_BUSY: return "the database is busy";
    case SCANSYNC_ERR_STORAGE: return "database error";
    case SCANSYNC_ERR_TLS: return "TLS setup failed";
    case SCANSYNC_ERR_IN_CALLBACK: return "not allowed from a callback of this device";
    case SCANSYNC_ERR_NO_MEMORY: return "out of memory";
    case SCANSYNC_ERR_INTERNAL: return "internal error";
    default: return "unknown error";
  }
}

SCANSYNC_API const char* scansync_version(void) { return SCANSYNC_VERSION_STRING; }

SCANSYNC_API void scansync_string_free(char* s) { std::free(s); }

}  // extern "C"
