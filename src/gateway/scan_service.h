#pragma once
// ScanService: the gateway's scan domain (validation, idempotent create,
// delete, change feed, list, quota) over a SQLite store. It knows nothing of
// sockets or HTTP framing: the server hands it a user, an event or request,
// and gets back the reply body plus what (if anything) to broadcast to the
// user's room.
//
// Invariant: outside a batch, a change is committed (SQLite transaction done,
// and with Durability::full fsynced) before handle_* returns, so the caller
// may ack and broadcast right away. Inside a batch see begin_batch().
// No call waits for a lock: a database held by another connection answers
// `unavailable` at once (busy_timeout_ms, default 0).
// Single-threaded use (the gateway calls it from its one event loop thread).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "scansync/result.h"
#include "store/durability.h"

namespace scansync::store {
class ScanStore;
}

namespace scansync::gateway {

struct ServiceOptions {
  std::size_t max_code_bytes = 4096;
  std::size_t tombstone_limit = 10000;  // deleted rows kept per user; older cursors → cursor_expired
  std::size_t max_page = 1000;          // sync:since and list limits are clamped to 1..max_page
  // A sync:since or list page stops before its scans pass this many bytes
  // (their approximate JSON size, store::wire_size), so that no request holds
  // the event loop for long; a page holds at least one scan whatever its size.
  // 0: no byte bound.
  std::size_t max_page_bytes = 256 * 1024;
  // Live (not deleted) scans a user may hold; a create of a new one beyond →
  // quota_exceeded. 0: unlimited.
  std::size_t max_scans_per_user = 100000;
  std::size_t max_body_bytes = 1 << 20; // REST body larger than this → 413
  store::Durability durability = store::Durability::full;
  int busy_timeout_ms = 0;              // wait for another connection's lock (0: fail at once, unavailable)
  std::function<std::int64_t()> now_unix_ms;  // clock for deletedAt; defaults to the system clock
  // WAL checkpoints on a thread of their own (store::StoreOptions). false:
  // inside the committing call, as SQLite does (the simulator: no threads).
  bool background_checkpoint = true;
};

struct Reply {
  int http_status = 200;          // REST status (socket callers ignore it)
  std::string body;               // socket: the ack object JSON; REST: the response body JSON
  std::string broadcast_event;    // "" | "scan:created" | "scan:deleted"
  std::string broadcast_payload;  // JSON of the event argument (the Scan, or {"id","userId","seq","deletedAt"})
  // The store's error behind an `internal` or `unavailable` answer (e.g.
  // "database is locked", disk full), for the caller's log; empty otherwise.
  std::error_code store_error;
  // With a broadcast: the seq of the change it announces (the fan-out's order).
  std::int64_t broadcast_seq = 0;
  // The store's own words behind an `internal` or `unavailable` answer, for the log.
  std::string store_detail;
  // A socket ack's error code ("invalid", "not_found", …); empty when ok.
  std::string error;
};

class ScanService {
 public:
  // Opens (creating it and its parent directory if absent, migrating an older
  // schema) the SQLite database. A file that is not a scansync SQLite
  // database → error (store::errc::not_a_database; open_failed,
  // schema_too_new, busy).
  static Result<std::unique_ptr<ScanService>> open(const std::filesystem::path& db_file, ServiceOptions opts);
  ~ScanService();  // an uncommitted batch is rolled back
  ScanService(const ScanService&) = delete;
  ScanService& operator=(const ScanService&) = delete;

  // Socket events scan:create | scan:delete | sync:since. `payload` = raw JSON
  // of the event's first argument.
  // Unknown event → body {"ok":false,"error":"unknown_event"}.
  // Bad input → {"ok":false,"error":"invalid","detail":"..."}.
  // Quota reached (create of a new id) → {"ok":false,"error":"quota_exceeded"}.
  // Database locked by another connection → {"ok":false,"error":"unavailable"}
  // (nothing changed; retry later). Other storage failure →
  // {"ok":false,"error":"internal"}. Both set Reply::store_error.
  // Semantics beyond the contract:
  // - createdAt: any RFC 3339 UTC ('Z') time; stored and returned with exactly
  //   three fraction digits (…:28Z → …:28.000Z, extra digits truncated).
  // - id: UUID v4 syntax, hex of either case, in canonical lower case from
  //   here on: stored, compared and answered so (an upper-case id names the
  //   same scan as its lower-case form). Ids are scoped per user: another
  //   user's scan with the same id is another scan.
  // - The same id again returns the stored scan, even if its content differs
  //   or the user is at the quota; if that scan was deleted meanwhile the ack
  //   adds "deletedSeq":n.
  // - sync:since lists each scan once at its latest change: a deleted scan only
  //   as {"op":"deleted"} at its deletion seq (its creation is superseded), so
  //   seqs in `changes` may skip numbers. latestSeq is the user's newest seq;
  //   with hasMore false a client may store it as its cursor. "epoch" is the
  //   database's epoch. A cursor older than the kept tombstones, or above
  //   latestSeq → cursor_expired. A page ends early (hasMore true) at
  //   max_page_bytes.
  // - Tombstones beyond tombstone_limit are pruned (oldest first); a pruned id
  //   is unknown again (delete → not_found, create → a new scan).
  Reply handle_event(std::string_view user, std::string_view event, std::string_view payload);

  // REST under /api/scans: method "GET"|"POST"|"DELETE", target = path +
  // optional query, body = request body.
  // Errors → {"error":{"code":"...","message":"..."}}. (401/429 are the
  // server's job.) Codes: invalid_json, invalid (400), quota_exceeded (403),
  // not_found (404; also any path other than /api/scans[/<id>]),
  // method_not_allowed (405), cursor_expired (410, GET ?since=),
  // payload_too_large (413, body > max_body_bytes), internal (500),
  // unavailable (503: the database is locked; retry later).
  // GET /api/scans[?limit=&cursor=] lists live scans newest first, one page:
  // limit defaults to 100, is clamped to max_page, < 1 or not an integer →
  // 400; the page ends early at max_page_bytes. nextCursor (opaque: the seq
  // of the last scan listed) fetches the next page; a cursor that is not one
  // → 400.
  Reply handle_http(std::string_view user, std::string_view method, std::string_view target, std::string_view body);

  // Group commit. After begin_batch() the writes of the following handle_*
  // calls share one transaction (one fsync) until commit_batch(). Their
  // replies describe changes that are not committed yet: the caller must hold
  // every ack, REST answer and broadcast of the batch until commit_batch()
  // returns no error. On an error nothing of the batch was stored (its seqs
  // are handed out again): every reply of the batch is void, and each request
  // must be answered as failed instead (batch_failure_event /
  // batch_failure_http), nothing broadcast. A write that fails inside a
  // batch (invalid, quota, …) is answered as usual and undoes only itself.
  // begin_batch() inside a batch does nothing; commit_batch() outside one
  // returns {}.
  void begin_batch();
  [[nodiscard]] std::error_code commit_batch();
  bool in_batch() const;
  // The answers to a request of a batch whose commit failed with `error`:
  // unavailable (store::errc::busy) or internal, store_error set.
  static Reply batch_failure_event(std::error_code error);
  static Reply batch_failure_http(std::error_code error);

  // A write that proves the store takes writes (store::ScanStore::probe_write),
  // in the open batch if there is one: then its outcome is the commit's too.
  std::error_code probe_write();

  // The database's epoch (replies carry it as "epoch").
  const std::string& epoch() const;

 private:
  ScanService(std::unique_ptr<store::ScanStore> store, ServiceOptions opts);
  std::unique_ptr<store::ScanStore> store_;
  ServiceOptions opts_;
};

}  // namespace scansync::gateway
