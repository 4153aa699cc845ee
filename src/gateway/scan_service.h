#pragma once
// ScanService: the gateway's scan domain (validation, idempotent create,
// delete, change feed) over a SQLite store. It knows nothing of sockets or
// HTTP framing: the server hands it a user, an event or request, and gets back
// the reply body plus what (if anything) to broadcast to the user's room.
//
// Invariant: a change is committed (SQLite transaction done) before handle_*
// returns, so the caller may ack and broadcast right away.
// Single-threaded use (the gateway calls it from its one event loop thread).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "scansync/result.h"

namespace scansync::store {
class ScanStore;
}

namespace scansync::gateway {

struct ServiceOptions {
  std::size_t max_code_bytes = 4096;
  std::size_t tombstone_limit = 10000;  // deleted rows kept per user; older cursors → cursor_expired
  std::size_t max_page = 1000;          // sync:since limit is clamped to 1..max_page
  std::size_t max_body_bytes = 1 << 20; // REST body larger than this → 413
  std::function<std::int64_t()> now_unix_ms;  // clock for deletedAt; defaults to the system clock
};

struct Reply {
  int http_status = 200;          // REST status (socket callers ignore it)
  std::string body;               // socket: the ack object JSON; REST: the response body JSON
  std::string broadcast_event;    // "" | "scan:created" | "scan:deleted"
  std::string broadcast_payload;  // JSON of the event argument (the Scan, or {"id","userId","seq","deletedAt"})
};

class ScanService {
 public:
  // Opens (creating it and its parent directory if absent) the SQLite
  // database. A file that is not a scansync SQLite database → error
  // (store::errc::not_a_database; open_failed, schema_too_new).
  static Result<std::unique_ptr<ScanService>> open(const std::filesystem::path& db_file, ServiceOptions opts);
  ~ScanService();
  ScanService(const ScanService&) = delete;
  ScanService& operator=(const ScanService&) = delete;

  // Socket events scan:create | scan:delete | sync:since. `payload` = raw JSON
  // of the event's first argument.
  // Unknown event → body {"ok":false,"error":"unknown_event"}.
  // Bad input → {"ok":false,"error":"invalid","detail":"..."}.
  // Storage failure → {"ok":false,"error":"internal"}.
  // Semantics beyond the contract:
  // - createdAt: any RFC 3339 UTC ('Z') time; stored and returned with exactly
  //   three fraction digits (…:28Z → …:28.000Z, extra digits truncated).
  // - id: UUID v4 syntax, hex of either case, stored and compared as sent. An
  //   id held by another user → invalid ("id: already in use").
  // - The same id again returns the stored scan, even if its content differs;
  //   if that scan was deleted meanwhile the ack adds "deletedSeq":n.
  // - sync:since lists each scan once at its latest change: a deleted scan only
  //   as {"op":"deleted"} at its deletion seq (its creation is superseded), so
  //   seqs in `changes` may skip numbers. latestSeq is the user's newest seq;
  //   with hasMore false a client may store it as its cursor. A cursor older
  //   than the kept tombstones, or above latestSeq → cursor_expired.
  // - Tombstones beyond tombstone_limit are pruned (oldest first); a pruned id
  //   is unknown again (delete → not_found, create → a new scan).
  Reply handle_event(std::string_view user, std::string_view event, std::string_view payload);

  // REST under /api/scans: method "GET"|"POST"|"DELETE", target = path +
  // optional query, body = request body.
  // Errors → {"error":{"code":"...","message":"..."}} with 400/404/405/413.
  // (401/403/429 are the server's job.) Codes: invalid_json, invalid (400),
  // not_found (404; also any path other than /api/scans[/<id>]),
  // method_not_allowed (405), cursor_expired (410, GET ?since=),
  // payload_too_large (413, body > max_body_bytes), internal (500).
  Reply handle_http(std::string_view user, std::string_view method, std::string_view target, std::string_view body);

 private:
  ScanService(std::unique_ptr<store::ScanStore> store, ServiceOptions opts);
  std::unique_ptr<store::ScanStore> store_;
  ServiceOptions opts_;
};

}  // namespace scansync::gateway
