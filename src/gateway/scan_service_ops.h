#pragma once
// The scan operations behind both front ends of ScanService (socket events
// and REST). Each takes already-decoded input and reports an outcome; the
// front ends turn outcomes into their own reply shapes.
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/scan_service.h"
#include "store/scan_store.h"

namespace scansync::gateway::ops {

enum class Status {
  ok,
  invalid,         // detail says why
  not_found,
  cursor_expired,
  internal,        // the store failed; detail has the error message
};

struct CreateOutcome {
  Status status = Status::ok;
  std::string detail;
  bool created = false;  // false: the id existed (scan is the stored one, maybe a tombstone)
  store::StoredScan scan;
};
// `payload`: the raw JSON text of the scan:create argument / POST body. An
// unparsable payload is Status::invalid with detail "payload: not JSON".
CreateOutcome create_scan(store::ScanStore& store, const ServiceOptions& opts, std::string_view user,
                          std::string_view payload);

struct DeleteOutcome {
  Status status = Status::ok;
  std::string detail;
  bool deleted_now = false;  // false: it was already deleted (same seq as before)
  store::StoredScan scan;    // the tombstone
};
DeleteOutcome delete_scan(store::ScanStore& store, const ServiceOptions& opts, std::string_view user,
                          std::string_view id);

struct SyncOutcome {
  Status status = Status::ok;
  std::string detail;
  store::ChangePage page;
};
// `limit` is clamped to 1..opts.max_page; the caller applies the default.
SyncOutcome sync_since(store::ScanStore& store, const ServiceOptions& opts, std::string_view user,
                       std::int64_t since, std::int64_t limit);

constexpr std::int64_t kDefaultPageLimit = 100;

}  // namespace scansync::gateway::ops
