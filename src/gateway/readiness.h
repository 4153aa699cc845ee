#pragma once
// /readyz: whether this gateway can take writes now, and if not why. The
// answer is made from two facts the gateway gathers (sans-I/O here):
//  - the space left on the data folder's file system: below kMinFreeBytes
//    the gateway is not ready (disk_full) even if a write still succeeds,
//    because SQLite's WAL reuses space it already holds, so a small probe
//    can pass on a full disk while the next real batch fails;
//  - a real write probe (scans::ProbeWrite: an upsert of meta('write_probe'),
//    committed through the same group-commit batch as the scans:
//    ScanApp::probe_store), whose error says the store's state: disk_full,
//    read_only, locked (another process holds the database's write lock),
//    io_error, store_unavailable (PostgreSQL unreachable), store_error.
// 200 {"status":"ok"}; 503 {"status":"unavailable","reason":"…","detail":"…"}.
#include <cstdint>
#include <optional>
#include <string>
#include <system_error>

#include "scans/scan_repository.h"

namespace scansync::gateway {

struct Readiness {
  bool ready = true;
  std::string reason;  // empty when ready
  std::string detail;
  int http_status() const { return ready ? 200 : 503; }
  std::string body() const;
};

inline constexpr std::uint64_t kMinFreeBytes = 1 << 20;

// Not ready (disk_full) when `available_bytes` is known and below kMinFreeBytes.
std::optional<Readiness> space_shortage(std::optional<std::uint64_t> available_bytes, const std::string& folder);
// The answer for the write probe's outcome ({}: it committed).
Readiness readiness_of_probe(std::error_code probe_error);
Readiness readiness_of_probe(const std::optional<scans::RepositoryError>& probe_error);
Readiness not_ready(std::string reason, std::string detail);

}  // namespace scansync::gateway
