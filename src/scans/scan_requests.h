#pragma once
// The scan domain's front: socket events and REST calls turned into
// ScanRepository operations (scans/scan_repository.h) and their results into
// the wire answers (/work/shared/contract.md), in three steps so that one
// event-loop turn's requests can share one batch:
//   parse   a socket event or REST call → a ScanRequest: the repository
//           Operation it needs, or the answer when it is refused before the
//           store (bad input, unknown event or path);
//   submit  the caller hands the operations of a turn to the repository;
//   render  the request and its OperationResult → the Reply (ack body or
//           REST status and body) and, for a change, the broadcast.
// The decision is made on typed values (RepositoryErrc), never on message
// text. A repository `unavailable` (PostgreSQL down, SQLite locked) →
// {"ok":false,"error":"unavailable"} / 503.
//
// Socket answers: scan:create → {"ok":true,"scan":Scan} (the stored one for
// a known id, with "deletedSeq" when it was deleted); scan:delete →
// {"ok":true,"seq":N}; sync:since → {"ok":true,"changes",…}; refusals
// {"ok":false,"error":code[,"detail"]}. REST: POST /api/scans 201 (new) or
// 200 (known id), DELETE /api/scans/<id> 200 {"seq"}, GET /api/scans (list,
// ?cursor) and ?since= (the feed); errors {"error":{"code","message"}} with
// 400/403/404/405/410/413/503/500.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "scans/scan_repository.h"

namespace scansync::scans {

// The limits of the front: what a request may carry and how much a page holds.
struct RequestOptions {
  std::size_t max_code_bytes = 4096;
  std::size_t max_page = 1000;  // sync:since and list limits are clamped to 1..max_page
  // A sync:since or list page stops before its scans pass this many bytes
  // (wire_size), so that no request holds the event loop for long; a page
  // holds at least one scan whatever its size. 0: no byte bound.
  std::size_t max_page_bytes = 256 * 1024;
  // The repository's quota (RepositoryOptions::max_live_scans_per_user), for
  // the refusal's words only: the repository enforces it.
  std::size_t max_scans_per_user = 100000;
  std::size_t max_body_bytes = 1 << 20;       // a REST body larger than this → 413
  std::function<std::int64_t()> now_unix_ms;  // clock for deletedAt; defaults to the system clock
};

struct Reply {
  int http_status = 200;          // REST status (socket callers ignore it)
  std::string body;               // socket: the ack object JSON; REST: the response body JSON
  std::string broadcast_event;    // "" | "scan:created" | "scan:deleted"
  std::string broadcast_payload;  // JSON of the event argument (the Scan, or {"id","userId","seq","deletedAt"})
  // The store's error behind an `internal` or `unavailable` answer, for the caller's log.
  std::error_code store_error;
  // With a broadcast: the seq of the change it announces (the fan-out's order).
  std::int64_t broadcast_seq = 0;
  // The store's own words behind an `internal` or `unavailable` answer, for the log.
  std::string store_detail;
  // A socket ack's error code ("invalid", "not_found", …); empty when ok.
  std::string error;
};

struct ScanRequest {
  enum class Front { socket, rest };
  enum class Kind { create, remove, sync, list };
  Front front = Front::socket;
  Kind kind = Kind::create;
  std::optional<Reply> refused;  // set: answered without the store; `op` unused
  scans::Operation op;
};

// scan:create | scan:delete | sync:since; `payload` the raw JSON of the
// first argument. `now_ms`: deletedAt of a delete.
ScanRequest parse_event(const RequestOptions& opts, std::string_view user, std::string_view event,
                        std::string_view payload, std::int64_t now_ms);
// GET|POST|DELETE under /api/scans; `target` = path + optional query.
ScanRequest parse_rest(const RequestOptions& opts, std::string_view user, std::string_view method,
                       std::string_view target, std::string_view body, std::int64_t now_ms);

// The answer to `request` (not refused) given the repository's result.
// `epoch`: the store's (ScanRepository::epoch()), which a sync:since answered
// cursor_expired carries like every other sync:since reply.
Reply render(const RequestOptions& opts, const ScanRequest& request, const scans::OperationResult& result,
             std::string_view epoch = {});

// The answer to a request whose batch failed as a whole (commit failed, the
// link died): `error` is unavailable or internal.
Reply render_failure(ScanRequest::Front front, const scans::RepositoryError& error);

}  // namespace scansync::scans
