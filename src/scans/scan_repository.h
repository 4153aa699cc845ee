#pragma once
// ScanRepository: where the scans live, behind one asynchronous, batch-shaped
// interface with one set of semantics for every engine (SQLite in one
// process, PostgreSQL shared by several gateway nodes). The conformance suite
// (scan_repository_conformance_test.cc) runs the same cases against each.
//
// Semantics (the wire contract's seq rules, made concrete; ScanStore's
// header says the same for SQLite):
// - Per user, every create and every delete takes the next seq of that user,
//   in the same transaction as the row change: seqs are strictly increasing
//   and gapless per user, also with several nodes writing for one user.
//   Refusals (existing, quota, not_found, invalid) take no seq.
// - Create is idempotent by (user, id): an id the user holds is answered
//   `existing` with the stored scan (a tombstone if it was deleted), even if
//   the content differs or the user is at the quota.
// - Quota: with max_live_scans_per_user set, a create of a new id for a user
//   holding that many live scans → quota_exceeded.
// - Delete: a live scan → tombstone at the next seq; deleting a tombstone →
//   already_deleted with the same seq and time; unknown id → not_found.
// - Tombstones: at most tombstone_limit per user are kept, the oldest pruned;
//   a cursor older than the newest pruned tombstone, or above the user's
//   latest seq, → cursor_expired. A pruned id is unknown again.
// - The change feed lists each scan once, at its latest change (a tombstone
//   only as its deletion). Pages are bounded by a count and by wire_size()
//   bytes (at least one row per page).
// - Epoch: the identity of the stored histories (contract "Epoch and history
//   resets"), chosen when the store is created; every page carries it.
//
// Batches: submit() takes the operations of one event-loop turn. Their writes
// commit together or not at all (one transaction, one fsync), in the order
// given for each user; a write refused or failing on its own (quota,
// not_found, invalid, an error of that statement) undoes only itself. Reads
// of a batch see the batch's earlier writes. When the commit fails or its
// outcome is unknown (the link to the server died during COMMIT), every
// result of the batch is that error (`unavailable` or `internal`): nothing of
// it may be acked. An unknown outcome may still have committed; the client's
// retry is safe because create and delete are idempotent by id.
//
// Re-entrancy: `done` is never called from inside submit(); it runs later on
// the repository's executor, once per submit, in submit order. It may call
// submit() again. Destroying the repository drops pending completions
// without calling them.
//
// Single-threaded: submit(), status() and epoch() from the repository's
// executor only.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include "scans/scan.h"

namespace scansync::scans {

// What went wrong, as a value: callers switch on `code`; `detail` is for
// people (logs, the `detail` member of an answer), never compared.
enum class RepositoryErrc {
  unavailable,      // the store cannot be reached or is locked; nothing changed for sure: retry later
  internal,         // the store failed (disk full, a statement error); `cause` says how
  invalid,          // an operation the store cannot hold (a text with NUL or bad UTF-8, an empty user)
  quota_exceeded,   // a create of a new id for a user at max_live_scans_per_user
  not_found,        // a delete of an id the user does not hold (or whose tombstone was pruned)
  cursor_expired,   // changes_since below the kept tombstones or above the latest seq
};
std::string_view name_of(RepositoryErrc code);  // "unavailable", "quota_exceeded", … (the wire words)

struct RepositoryError {
  RepositoryErrc code = RepositoryErrc::internal;
  std::string detail;
  std::error_code cause;  // the engine's own error behind unavailable/internal, when there is one
};

// The operations.
struct CreateScan {
  std::string user;
  NewScan scan;
};
struct RemoveScan {
  std::string user, id;
  std::int64_t now_ms = 0;  // deletedAt (unix ms); time is the caller's input
};
struct ChangesSince {
  std::string user;
  std::int64_t since = 0;
  std::size_t limit = 100;  // 0 counts as 1
  std::size_t max_bytes = kNoByteLimit;
};
struct ListLive {
  std::string user;
  std::optional<std::int64_t> before;  // live scans with seq < before; newest first
  std::size_t limit = 100;             // 0 counts as 1
  std::size_t max_bytes = kNoByteLimit;
};
struct LatestSeq {
  std::string user;
};
// The readiness probe: a small write committed with the batch (SQLite:
// meta('write_probe'); PostgreSQL: the same row of its meta table), so that
// a full disk, a read-only file or a held lock shows before a scan fails.
struct ProbeWrite {
  std::int64_t now_ms = 0;  // the value written
};
using Operation = std::variant<CreateScan, RemoveScan, ChangesSince, ListLive, LatestSeq, ProbeWrite>;

// Their results (besides RepositoryError).
struct Created {
  StoredScan scan;        // the new scan, or the stored one (maybe a tombstone) when existing
  bool existing = false;  // the id was held already: nothing changed, nothing to broadcast
};
struct Removed {
  StoredScan tombstone;          // deleted_seq and deleted_at_ms set
  bool already_deleted = false;  // deleted before: nothing changed, nothing to broadcast
};
struct Latest {
  std::int64_t latest_seq = 0;  // 0 for a user never seen
  std::string epoch;
};
struct Probed {};

using OperationResult = std::variant<RepositoryError, Created, Removed, ChangePage, LivePage, Latest, Probed>;

struct BatchResult {
  std::vector<OperationResult> results;  // one per operation, in the order submitted
  // Set when the batch failed as a whole (every result is this error).
  std::optional<RepositoryError> failure;
};

// For /readyz and /metrics.
struct RepositoryStatus {
  std::string engine;             // "sqlite" | "postgresql"
  bool available = false;         // serving now (PostgreSQL: connected and migrated)
  std::optional<RepositoryError> last_error;  // the latest failure of the link or a batch
  std::int64_t last_latency_us = -1;          // the latest batch's round trip; -1 before the first
  std::uint64_t batches = 0;                  // completed submits
  std::uint64_t failed_batches = 0;           // submits answered with an error throughout
  std::uint64_t reconnects = 0;               // links re-established after a loss
};

struct RepositoryOptions {
  std::size_t tombstone_limit = 10000;      // per user
  std::size_t max_live_scans_per_user = 0;  // 0: no quota
};

class ScanRepository {
 public:
  virtual ~ScanRepository() = default;

  using Done = std::function<void(BatchResult)>;
  // Runs `ops` as one batch (see "Batches"); `done` follows on the executor.
  virtual void submit(std::vector<Operation> ops, Done done) = 0;

  // The store's epoch; empty while a PostgreSQL repository has not yet read it.
  virtual std::string epoch() const = 0;

  virtual RepositoryStatus status() const = 0;
};

// The check both engines make before an operation reaches the store, so that
// what one engine could hold and the other could not is refused alike: every
// text valid UTF-8 without NUL (PostgreSQL's text cannot hold NUL), the user
// not empty. nullopt: fine.
std::optional<RepositoryError> check_operation(const Operation& op);

}  // namespace scansync::scans
