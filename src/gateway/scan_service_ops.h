#pragma once
// The scan operations behind both front ends of ScanService (socket events
// and REST). Each takes already-decoded input and reports an outcome; the
// front ends turn outcomes into their own reply shapes (one switch over
// Status each; no front end reads `detail` to decide anything).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "gateway/scan_service.h"
#include "store/scan_store.h"

namespace scansync::gateway::ops {

enum class Status {
  ok,
  invalid,         // detail says why
  invalid_json,    // the payload / body is not JSON at all
  not_found,
  cursor_expired,
  quota_exceeded,  // a new scan for a user at ServiceOptions::max_scans_per_user
  unavailable,     // the database is locked by another connection (store::errc::busy); retry later
  internal,        // the store failed; `error` says how
};

// The status a store error answers: busy → unavailable, cursor_expired →
// cursor_expired, anything else → internal.
Status status_of(std::error_code store_error);

struct CreateOutcome {
  Status status = Status::ok;
  std::string detail;
  std::error_code error;  // the store's error for internal / unavailable
  bool created = false;   // false: the id existed (scan is the stored one, maybe a tombstone)
  store::StoredScan scan;
};
// `payload`: the raw JSON text of the scan:create argument / POST body. An
// unparsable payload is Status::invalid_json (detail "payload: not JSON").
CreateOutcome create_scan(store::ScanStore& store, const ServiceOptions& opts, std::string_view user,
                          std::string_view payload);

struct DeleteOutcome {
  Status status = Status::ok;
  std::string detail;
  std::error_code error;
  bool deleted_now = false;  // false: it was already deleted (same seq as before)
  store::StoredScan scan;    // the tombstone
};
// `id`: as sent, either case; canonicalized here.
DeleteOutcome delete_scan(store::ScanStore& store, const ServiceOptions& opts, std::string_view user,
                          std::string_view id);

struct SyncOutcome {
  Status status = Status::ok;
  std::string detail;
  std::error_code error;
  store::ChangePage page;
};
// `limit` is clamped to 1..opts.max_page; the caller applies the default.
SyncOutcome sync_since(store::ScanStore& store, const ServiceOptions& opts, std::string_view user,
                       std::int64_t since, std::int64_t limit);

struct ListOutcome {
  Status status = Status::ok;
  std::string detail;
  std::error_code error;
  store::LivePage page;
};
// Live scans, newest first, with seq < *before (all when nullopt). `limit`
// must be ≥ 1 (the front end refuses others) and is clamped to opts.max_page.
ListOutcome list_scans(store::ScanStore& store, const ServiceOptions& opts, std::string_view user,
                       std::optional<std::int64_t> before, std::int64_t limit);

constexpr std::int64_t kDefaultPageLimit = 100;

}  // namespace scansync::gateway::ops
