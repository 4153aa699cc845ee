#pragma once
// The scan domain over the asynchronous ScanRepository (scans/scan_repository.h),
// in three steps so that one event-loop turn's requests can share one batch:
//   parse   a socket event or REST call → a ScanRequest: the repository
//           Operation it needs, or the answer when it is refused before the
//           store (bad input, unknown event or path);
//   submit  the caller hands the operations of a turn to the repository;
//   render  the request and its OperationResult → the Reply (ack body or
//           REST status and body) and, for a change, the broadcast.
// Same wire answers as ScanService (scan_service.h documents them); the
// decision is made on typed values (scans::RepositoryErrc, ops::Status),
// never on message text. A repository `unavailable` (PostgreSQL down, SQLite
// locked) → {"ok":false,"error":"unavailable"} / 503.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/scan_service.h"
#include "scans/scan_repository.h"

namespace scansync::gateway {

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
ScanRequest parse_event(const ServiceOptions& opts, std::string_view user, std::string_view event,
                        std::string_view payload, std::int64_t now_ms);
// GET|POST|DELETE under /api/scans; `target` = path + optional query.
ScanRequest parse_rest(const ServiceOptions& opts, std::string_view user, std::string_view method,
                       std::string_view target, std::string_view body, std::int64_t now_ms);

// The answer to `request` (not refused) given the repository's result.
Reply render(const ServiceOptions& opts, const ScanRequest& request, const scans::OperationResult& result);

// The answer to a request whose batch failed as a whole (commit failed, the
// link died): `error` is unavailable or internal.
Reply render_failure(ScanRequest::Front front, const scans::RepositoryError& error);

}  // namespace scansync::gateway
